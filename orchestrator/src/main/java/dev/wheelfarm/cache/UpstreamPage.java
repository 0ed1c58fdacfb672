package dev.wheelfarm.cache;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.wheelfarm.shared.Sha256;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.web.util.HtmlUtils;
import org.springframework.web.util.UriUtils;

/**
 * An upstream project page (PEP 691 JSON), read to find its files and served again with
 * nothing changed but each file's {@code url}, which points into the cache. Names,
 * hashes, {@code requires-python}, yanks, sizes, upload times and PEP 658/714 metadata
 * hashes pass through as upstream sent them. A file upstream lists without a sha256, or
 * under a name that could not be a path segment, cannot be verified or served and is left
 * out.
 */
final class UpstreamPage {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Pattern HEX = Pattern.compile("^[0-9a-f]{64}$");

	private static final int MAX_FILENAME = 512;

	private final String project;

	private final JsonNode root;

	private final Map<String, Listed> files = new LinkedHashMap<>();

	private UpstreamPage(String project, JsonNode root, URI pageUrl) {
		this.project = project;
		this.root = root;
		for (JsonNode file : root.path("files")) {
			String filename = file.path("filename").asString("");
			String sha256 = file.path("hashes").path("sha256").asString("").toLowerCase(java.util.Locale.ROOT);
			String url = file.path("url").asString("");
			if (!servableName(filename) || !HEX.matcher(sha256).matches() || url.isEmpty()) {
				continue;
			}
			this.files.put(filename, new Listed(filename, Sha256.of(sha256), pageUrl.resolve(url),
					metadataHash(file).orElse(null), file.path("size").asLong(-1)));
		}
	}

	/**
	 * Reads upstream's body.
	 * @throws UpstreamException when it is not a PEP 691 project page
	 */
	static UpstreamPage parse(String project, byte[] body, URI pageUrl) {
		JsonNode root;
		try {
			root = JSON.readTree(body);
		}
		catch (JacksonException ex) {
			throw new UpstreamException("upstream's page of " + project + " is not JSON: " + ex.getOriginalMessage());
		}
		if (!root.isObject() || !root.path("files").isArray() || !root.path("meta").isObject()) {
			throw new UpstreamException("upstream's page of " + project + " is not a PEP 691 project page");
		}
		return new UpstreamPage(project, root, pageUrl);
	}

	Optional<Listed> file(String filename) {
		return Optional.ofNullable(this.files.get(filename));
	}

	/** Upstream's page with every file's URL pointing into the cache. */
	byte[] json() {
		ObjectNode copy = (ObjectNode) this.root.deepCopy();
		ArrayNode kept = copy.putArray("files");
		for (JsonNode file : this.root.path("files")) {
			Listed listed = this.files.get(file.path("filename").asString(""));
			if (listed != null) {
				ObjectNode rewritten = (ObjectNode) file.deepCopy();
				rewritten.put("url", listed.cacheUrl(this.project));
				kept.add(rewritten);
			}
		}
		return JSON.writeValueAsBytes(copy);
	}

	/**
	 * The same page as PEP 503 HTML: what JSON says, in the attributes the HTML form has
	 * (it is frozen, PEP 833: keys only JSON has are left out).
	 */
	String html() {
		StringBuilder html = new StringBuilder(256 + 256 * this.files.size());
		html.append("<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.1\">\n")
			.append("<title>Links for ")
			.append(HtmlUtils.htmlEscape(this.project))
			.append("</title>\n</head>\n<body>\n<h1>Links for ")
			.append(HtmlUtils.htmlEscape(this.project))
			.append("</h1>\n");
		for (JsonNode file : this.root.path("files")) {
			Listed listed = this.files.get(file.path("filename").asString(""));
			if (listed == null) {
				continue;
			}
			html.append("<a href=\"")
				.append(HtmlUtils.htmlEscape(listed.cacheUrl(this.project) + "#sha256=" + listed.sha256().hex()))
				.append('"');
			JsonNode requiresPython = file.path("requires-python");
			if (requiresPython.isString() && !requiresPython.asString().isEmpty()) {
				attribute(html, "data-requires-python", requiresPython.asString());
			}
			JsonNode yanked = file.path("yanked");
			if (yanked.isString()) {
				attribute(html, "data-yanked", yanked.asString());
			}
			else if (yanked.asBoolean(false)) {
				html.append(" data-yanked");
			}
			if (listed.metadataSha256() != null) {
				attribute(html, "data-dist-info-metadata", "sha256=" + listed.metadataSha256().hex());
				attribute(html, "data-core-metadata", "sha256=" + listed.metadataSha256().hex());
			}
			html.append('>').append(HtmlUtils.htmlEscape(listed.filename())).append("</a><br/>\n");
		}
		return html.append("</body>\n</html>\n").toString();
	}

	private static void attribute(StringBuilder html, String name, String value) {
		html.append(' ').append(name).append("=\"").append(HtmlUtils.htmlEscape(value)).append('"');
	}

	/**
	 * The PEP 658 metadata's sha256: PEP 714's {@code core-metadata}, or the older
	 * {@code dist-info-metadata} key. Metadata announced without a sha256 cannot be
	 * verified, so the cache does not serve it (pip then reads the wheel itself).
	 */
	private static Optional<Sha256> metadataHash(JsonNode file) {
		for (String key : new String[] { "core-metadata", "dist-info-metadata" }) {
			String hex = file.path(key).path("sha256").asString("").toLowerCase(java.util.Locale.ROOT);
			if (HEX.matcher(hex).matches()) {
				return Optional.of(Sha256.of(hex));
			}
		}
		return Optional.empty();
	}

	/** Whether a filename can be one path segment of a cache URL, and nothing more. */
	static boolean servableName(String filename) {
		return !filename.isEmpty() && filename.length() <= MAX_FILENAME && !filename.equals(".")
				&& !filename.equals("..") && filename.chars().noneMatch((c) -> c == '/' || c == '\\' || c < 0x20);
	}

	/**
	 * A file upstream lists.
	 *
	 * @param filename its name
	 * @param sha256 upstream's hash of it, which the downloaded bytes must match
	 * @param url where upstream serves it
	 * @param metadataSha256 the hash of its PEP 658 metadata file, or null when there is
	 * none that can be verified
	 * @param size the size upstream claims, or -1
	 */
	record Listed(String filename, Sha256 sha256, URI url, Sha256 metadataSha256, long size) {

		/**
		 * Relative to the project page {@code /cache/simple/<project>/}, so it holds
		 * whatever host, port or path prefix the client reached the cache by.
		 */
		String cacheUrl(String project) {
			return "../../files/" + project + "/" + this.sha256.hex() + "/"
					+ UriUtils.encodePathSegment(this.filename, java.nio.charset.StandardCharsets.UTF_8);
		}

	}

}
