package dev.wheelfarm.index;

import java.nio.charset.StandardCharsets;

import org.springframework.stereotype.Component;

/**
 * The links the pages contain. Without a base URL they are relative to the page
 * ({@code /simple/<name>/} → {@code ../../files/…}), so the same bytes are right at any
 * host, behind any proxy, and in the static export; with one, they are absolute.
 */
@Component
class IndexUrls {

	private final String base;

	IndexUrls(IndexProperties properties) {
		this.base = properties.baseUrl();
	}

	/** The URL path of a stored wheel below the index root. */
	static String filePath(String sha256, String filename) {
		return "files/" + sha256.substring(0, 2) + "/" + sha256 + "/" + encode(filename);
	}

	String file(String sha256, String filename) {
		return this.base.isEmpty() ? relativeFile(sha256, filename) : this.base + "/" + filePath(sha256, filename);
	}

	/** The link from a project page to a file next to the page's {@code simple/}. */
	static String relativeFile(String sha256, String filename) {
		return "../../" + filePath(sha256, filename);
	}

	/**
	 * The URL path of a file's PEP 740 provenance object below the index root, shaped
	 * like PyPI's Integrity API
	 * ({@code integrity/<project>/<version>/<filename>/provenance}).
	 */
	static String provenancePath(String project, String version, String filename) {
		return "integrity/" + encode(project) + "/" + encode(version) + "/" + encode(filename) + "/provenance";
	}

	/**
	 * The link from a project page to a file's provenance object next to the page's
	 * {@code simple/}: below a stage's URL, the stage's.
	 */
	static String relativeProvenance(String project, String version, String filename) {
		return "../../" + provenancePath(project, version, filename);
	}

	/** The link from a project page to a file's provenance object. */
	String provenance(String project, String version, String filename) {
		String path = provenancePath(project, version, filename);
		return this.base.isEmpty() ? "../../" + path : this.base + "/" + path;
	}

	String projectLink(String name) {
		return this.base.isEmpty() ? name : this.base + "/simple/" + name;
	}

	// RFC 3986 unreserved characters pass; everything else (a local version's '+', say)
	// is percent-encoded, as pip decodes it when it takes the filename from the URL.
	static String encode(String segment) {
		StringBuilder encoded = new StringBuilder(segment.length());
		for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
			char c = (char) (b & 0xff);
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
					|| c == '_' || c == '~' || c == '!') {
				encoded.append(c);
			}
			else {
				encoded.append('%').append(String.format("%02X", b & 0xff));
			}
		}
		return encoded.toString();
	}

}
