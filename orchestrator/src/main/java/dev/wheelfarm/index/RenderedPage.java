package dev.wheelfarm.index;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPOutputStream;

import dev.wheelfarm.shared.Sha256;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;

/**
 * One page in both wire formats, each also gzip-compressed once (pip and uv accept gzip,
 * and a 300-file page shrinks about tenfold), with the strong ETag of each
 * representation, and the answers the index sends for it
 * ({@link #answer(SimpleMediaType, boolean)}).
 *
 * @param html the PEP 503 HTML
 * @param json the PEP 691 JSON
 * @param htmlGzip the HTML, gzip-compressed
 * @param jsonGzip the JSON, gzip-compressed
 * @param htmlEtag the HTML's ETag
 * @param jsonEtag the JSON's ETag
 * @param answers the answers made so far, by media type and coding
 */
record RenderedPage(byte[] html, byte[] json, byte[] htmlGzip, byte[] jsonGzip, String htmlEtag, String jsonEtag,
		Answer[] answers) {

	RenderedPage(byte[] html, byte[] json) {
		this(html, json, gzip(html), gzip(json), etag(html), etag(json));
	}

	private RenderedPage(byte[] html, byte[] json, byte[] htmlGzip, byte[] jsonGzip, String htmlEtag, String jsonEtag) {
		this(html, json, htmlGzip, jsonGzip, htmlEtag, jsonEtag, new Answer[SimpleMediaType.values().length * 2]);
	}

	byte[] body(SimpleMediaType type) {
		return type.isJson() ? this.json : this.html;
	}

	byte[] gzippedBody(SimpleMediaType type) {
		return type.isJson() ? this.jsonGzip : this.htmlGzip;
	}

	String etag(SimpleMediaType type) {
		return type.isJson() ? this.jsonEtag : this.htmlEtag;
	}

	/**
	 * A representation's own tag: the gzip bytes are not the plain bytes (RFC 9110
	 * §8.8.3).
	 */
	String gzippedEtag(SimpleMediaType type) {
		return gzippedEtag(etag(type));
	}

	/**
	 * What to send for this media type, gzip-compressed or not: made when first asked
	 * for, so that pages rendered only for the static export never take memory off the
	 * heap. Two requests may make the same answer at once; either copy is right.
	 */
	Answer answer(SimpleMediaType type, boolean gzip) {
		int slot = type.ordinal() * 2 + (gzip ? 1 : 0);
		Answer answer = this.answers[slot];
		if (answer == null) {
			byte[] body = gzip ? gzippedBody(type) : body(type);
			answer = new Answer(type, gzip ? gzippedEtag(type) : etag(type), gzip ? "gzip" : null, direct(body));
			this.answers[slot] = answer;
		}
		return answer;
	}

	/**
	 * The bytes off the heap, where the socket writes them as they are: a heap array is
	 * copied off-heap on every write.
	 */
	private static ByteBuffer direct(byte[] body) {
		return ByteBuffer.allocateDirect(body.length).put(body).flip().asReadOnlyBuffer();
	}

	private static String gzippedEtag(String plain) {
		return plain.substring(0, plain.length() - 1) + "-gzip\"";
	}

	private static String etag(byte[] body) {
		return "\"" + Sha256.digest(body).hex().substring(0, 32) + "\"";
	}

	/**
	 * gzip with a zero timestamp, so the same page always compresses to the same bytes.
	 */
	static byte[] gzip(byte[] body) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4 + 64);
		try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
			gzip.write(body);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("gzip into memory cannot fail", ex);
		}
		return out.toByteArray();
	}

	/**
	 * One representation as sent with status 200: the values of its headers and its
	 * bytes.
	 *
	 * @param type the media type
	 * @param etag its strong ETag
	 * @param contentEncoding {@code gzip}, or {@code null} for the plain bytes
	 * @param body the bytes, read-only; take {@link #content()} to send them
	 * @param etagField the {@code ETag} header as Jetty writes it, encoded once
	 * @param contentLengthField the {@code Content-Length} header, encoded once
	 */
	record Answer(SimpleMediaType type, String etag, String contentEncoding, ByteBuffer body, HttpField etagField,
			HttpField contentLengthField) {

		Answer(SimpleMediaType type, String etag, String contentEncoding, ByteBuffer body) {
			this(type, etag, contentEncoding, body, new PreEncodedHttpField(HttpHeader.ETAG, etag),
					new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, Integer.toString(body.remaining())));
		}

		String contentType() {
			return this.type.contentType();
		}

		int contentLength() {
			return this.body.remaining();
		}

		/** The bytes with a position of their own, so that requests can share them. */
		ByteBuffer content() {
			return this.body.duplicate();
		}

		/** The {@code representation} tag of {@code wheelfarm_index_requests_total}. */
		String representation() {
			return this.type.isJson() ? "json" : "html";
		}

	}

}
