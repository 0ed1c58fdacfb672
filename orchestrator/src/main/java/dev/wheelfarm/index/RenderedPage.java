package dev.wheelfarm.index;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

import dev.wheelfarm.shared.Sha256;

/**
 * One page in both wire formats, each also gzip-compressed once (pip and uv accept gzip,
 * and a 300-file page shrinks about tenfold), with the strong ETag of each
 * representation.
 *
 * @param html the PEP 503 HTML
 * @param json the PEP 691 JSON
 * @param htmlGzip the HTML, gzip-compressed
 * @param jsonGzip the JSON, gzip-compressed
 * @param htmlEtag the HTML's ETag
 * @param jsonEtag the JSON's ETag
 */
record RenderedPage(byte[] html, byte[] json, byte[] htmlGzip, byte[] jsonGzip, String htmlEtag, String jsonEtag) {

	RenderedPage(byte[] html, byte[] json) {
		this(html, json, gzip(html), gzip(json), etag(html), etag(json));
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
		String plain = etag(type);
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

}
