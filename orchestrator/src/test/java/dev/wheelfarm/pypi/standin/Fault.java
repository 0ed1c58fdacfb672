package dev.wheelfarm.pypi.standin;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One misbehaviour of the stand-in, used up by one request to the path it is queued on.
 */
public sealed interface Fault {

	/** Answers with this status (and a {@code Retry-After} when not null) and no page. */
	record Status(int code, String retryAfter) implements Fault {

	}

	/** Answers 200 with these bytes instead of the model's page. */
	record Body(String contentType, byte[] body, long serialHeader) implements Fault {

	}

	/** Answers 200 with a gzip-compressed body and {@code Content-Encoding: gzip}. */
	record Gzipped(String contentType, byte[] compressed) implements Fault {

	}

	/** Waits this long, then answers normally. */
	record Slow(Duration delay) implements Fault {

	}

	static Fault status(int code) {
		return new Status(code, null);
	}

	static Fault tooManyRequests(String retryAfter) {
		return new Status(429, retryAfter);
	}

	static Fault malformedJson() {
		return new Body("application/json", "{\"info\": {\"name\": \"trunc".getBytes(StandardCharsets.UTF_8), -1);
	}

	static Fault gzippedJson(String body) {
		java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
		try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(bytes)) {
			gzip.write(body.getBytes(StandardCharsets.UTF_8));
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
		return new Gzipped("application/json", bytes.toByteArray());
	}

	static Fault slow(Duration delay) {
		return new Slow(delay);
	}

	static Fault json(String body) {
		return new Body("application/json", body.getBytes(StandardCharsets.UTF_8), -1);
	}

	/** An older copy of a page, as a lagging cache would serve it. */
	static Fault replay(byte[] body, long serial) {
		return new Body("application/json", body, serial);
	}

}
