package dev.wheelfarm.index;

import dev.wheelfarm.shared.Sha256;

/**
 * One page in both wire formats, with the strong ETag of each.
 *
 * @param html the PEP 503 HTML
 * @param json the PEP 691 JSON
 */
record RenderedPage(byte[] html, byte[] json, String htmlEtag, String jsonEtag) {

	RenderedPage(byte[] html, byte[] json) {
		this(html, json, etag(html), etag(json));
	}

	byte[] body(SimpleMediaType type) {
		return type.isJson() ? this.json : this.html;
	}

	String etag(SimpleMediaType type) {
		return type.isJson() ? this.jsonEtag : this.htmlEtag;
	}

	private static String etag(byte[] body) {
		return "\"" + Sha256.digest(body).hex().substring(0, 32) + "\"";
	}

}
