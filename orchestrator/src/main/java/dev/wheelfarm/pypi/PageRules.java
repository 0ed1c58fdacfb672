package dev.wheelfarm.pypi;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.wheelfarm.shared.ProjectName;

import tools.jackson.databind.JsonNode;

/**
 * What a PyPI page must look like before anything in it is stored: shared by both clients
 * so that the Simple and JSON pages are held to the same rules.
 */
final class PageRules {

	private static final Pattern SHA256 = Pattern.compile("^[0-9a-fA-F]{64}$");

	// Control characters and whitespace have no place in a version or a filename; a
	// page with them is damaged or hostile.
	private static final Pattern PRINTABLE_TOKEN = Pattern.compile("^[\\x21-\\x7e\\u00a0-\\uffff]+$");

	private PageRules() {
	}

	/**
	 * The PEP 503 normalized form of a valid name, or empty for a name PyPI could not
	 * have.
	 */
	static Optional<String> normalizedName(String raw) {
		return (raw != null && ProjectName.isValid(raw)) ? Optional.of(ProjectName.of(raw).value()) : Optional.empty();
	}

	static boolean validVersion(String version) {
		return version != null && version.length() <= 200 && PRINTABLE_TOKEN.matcher(version).matches();
	}

	static boolean validFilename(String filename) {
		return filename != null && filename.length() <= 255 && PRINTABLE_TOKEN.matcher(filename).matches()
				&& filename.indexOf('/') < 0 && filename.indexOf('\\') < 0;
	}

	static String sha256(JsonNode hashes) {
		JsonNode node = hashes.path("sha256");
		return (node.isString() && SHA256.matcher(node.stringValue()).matches())
				? node.stringValue().toLowerCase(java.util.Locale.ROOT) : null;
	}

	static boolean validUrl(String url) {
		if (url == null || url.length() > 2048) {
			return false;
		}
		try {
			URI uri = new URI(url);
			return ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))
					&& uri.getHost() != null;
		}
		catch (URISyntaxException ex) {
			return false;
		}
	}

	/** PEP 691 allows URLs relative to the page; null when it is not a usable URL. */
	static String resolveUrl(URI page, String url) {
		if (url == null) {
			return null;
		}
		try {
			String absolute = page.resolve(new URI(url)).toString();
			return validUrl(absolute) ? absolute : null;
		}
		catch (URISyntaxException | IllegalArgumentException ex) {
			return null;
		}
	}

	static Instant instant(JsonNode node) {
		if (!node.isString()) {
			return null;
		}
		try {
			return Instant.parse(node.stringValue());
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	static String optionalString(JsonNode node) {
		return (node.isString() && !node.stringValue().isBlank()) ? node.stringValue() : null;
	}

	static ProjectSnapshot.Kind kindOf(String filename, String packagetype) {
		if (filename.endsWith(".whl")) {
			return ProjectSnapshot.Kind.WHEEL;
		}
		if ("sdist".equals(packagetype) || (packagetype == null && isSdistFilename(filename))) {
			return ProjectSnapshot.Kind.SDIST;
		}
		return ProjectSnapshot.Kind.OTHER;
	}

	static boolean isSdistFilename(String filename) {
		return filename.endsWith(".tar.gz") || filename.endsWith(".zip") || filename.endsWith(".tar.bz2")
				|| filename.endsWith(".tgz");
	}

}
