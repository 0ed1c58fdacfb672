package dev.wheelfarm.pypi;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;
import org.springframework.web.util.UriTemplate;

/**
 * PyPI's Simple repository API in its PEP 691 JSON form: the root listing, whose
 * per-project {@code _last-serial} is the watcher's cheap global signal, and the project
 * page pip itself reads.
 */
@Component
public class SimpleApiClient {

	static final String ROOT = "/simple/";

	static final String PROJECT = "/simple/{project}/";

	/** PEP 691: ask for JSON only; an index that cannot answer in JSON says 406. */
	static final String ACCEPT = "application/vnd.pypi.simple.v1+json";

	private final PypiHttp http;

	private final PypiProperties properties;

	private final JsonMapper json = JsonMapper.builder().build();

	// One PypiHttp (one HttpClient, one connection pool) serves both PyPI APIs.
	SimpleApiClient(PypiProperties properties, PypiHttp http) {
		this.properties = properties;
		this.http = http;
	}

	/** Every project PyPI lists, by normalized name, with its last serial. */
	public record RootListing(long serial, Map<String, Long> lastSerials) {

	}

	/** A file as the PEP 691 project page lists it. */
	public record SimpleFile(String filename, String url, String sha256, Long size, Instant uploadTime,
			String requiresPython, boolean yanked, String yankedReason) {

	}

	/** The PEP 691 project page. */
	public record ProjectPage(String name, long serial, List<SimpleFile> files, List<String> versions) {

	}

	/**
	 * Reads the root listing ({@code /simple/}), conditionally.
	 * @param etag the ETag of the last listing read, or null
	 * @return the listing, or 304
	 */
	public PypiPage<RootListing> root(String etag) {
		URI uri = URI.create(this.properties.baseUrl() + ROOT);
		PypiHttp.Response response = this.http.get(uri, ACCEPT, etag, this.properties.maxIndexSize().toBytes());
		if (response.notModified()) {
			return new PypiPage<>(PypiPage.Status.NOT_MODIFIED, null, etag, response.lastSerialHeader());
		}
		if (response.notFound()) {
			throw new PypiReadException("the index at " + uri + " has no root listing (404)", false);
		}
		requireJson(response);
		RootListing listing = parseRoot(response);
		return new PypiPage<>(PypiPage.Status.OK, listing, response.etag().orElse(null), listing.serial());
	}

	/**
	 * Reads one project page ({@code /simple/<name>/}), conditionally.
	 * @param name the normalized project name
	 * @param etag the ETag of the last page read, or null
	 * @return the page, 304 or 404
	 */
	public PypiPage<ProjectPage> project(String name, String etag) {
		URI uri = new UriTemplate(this.properties.baseUrl() + PROJECT).expand(name);
		PypiHttp.Response response = this.http.get(uri, ACCEPT, etag, this.properties.maxPageSize().toBytes());
		if (response.notModified()) {
			return new PypiPage<>(PypiPage.Status.NOT_MODIFIED, null, etag, response.lastSerialHeader());
		}
		if (response.notFound()) {
			return new PypiPage<>(PypiPage.Status.NOT_FOUND, null, null, response.lastSerialHeader());
		}
		requireJson(response);
		ProjectPage page = parseProject(name, response);
		return new PypiPage<>(PypiPage.Status.OK, page, response.etag().orElse(null), page.serial());
	}

	private static void requireJson(PypiHttp.Response response) {
		String type = response.headers().firstValue("Content-Type").orElse("");
		if (!type.contains("json")) {
			throw new PypiReadException("expected PEP 691 JSON from " + response.uri() + ", got " + type, false);
		}
	}

	// Streamed, not a tree: PyPI's root lists every project there is.
	private RootListing parseRoot(PypiHttp.Response response) {
		Map<String, Long> serials = new HashMap<>();
		long serial = response.lastSerialHeader();
		try (JsonParser parser = this.json.createParser(response.body())) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new PypiReadException("root listing is not a JSON object: " + response.uri(), false);
			}
			while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
				String field = parser.currentName();
				JsonToken value = parser.nextToken();
				if ("projects".equals(field) && value == JsonToken.START_ARRAY) {
					while (parser.nextToken() == JsonToken.START_OBJECT) {
						readRootEntry(parser, serials);
					}
				}
				else if ("meta".equals(field) && value == JsonToken.START_OBJECT) {
					while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
						String metaField = parser.currentName();
						if (parser.nextToken() == JsonToken.VALUE_NUMBER_INT && "_last-serial".equals(metaField)) {
							serial = parser.getLongValue();
						}
						else {
							parser.skipChildren();
						}
					}
				}
				else {
					parser.skipChildren();
				}
			}
		}
		catch (JacksonException ex) {
			throw new PypiReadException(
					"malformed root listing from " + response.uri() + ": " + ex.getOriginalMessage(), false, ex);
		}
		return new RootListing(serial, serials);
	}

	private static void readRootEntry(JsonParser parser, Map<String, Long> serials) {
		String name = null;
		long serial = -1;
		while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
			String field = parser.currentName();
			JsonToken value = parser.nextToken();
			if ("name".equals(field) && value == JsonToken.VALUE_STRING) {
				name = parser.getString();
			}
			else if ("_last-serial".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
				serial = parser.getLongValue();
			}
			else {
				parser.skipChildren();
			}
		}
		// A name PyPI could not have is skipped, not fatal: one bad entry must not blind
		// the watcher to every other project.
		String normalized = PageRules.normalizedName(name).orElse(null);
		if (normalized != null) {
			serials.merge(normalized, serial, Math::max);
		}
	}

	private ProjectPage parseProject(String name, PypiHttp.Response response) {
		JsonNode root = response.json(this.json);
		if (root == null || !root.isObject() || !root.path("files").isArray()) {
			throw new PypiReadException("not a PEP 691 project page: " + response.uri(), false);
		}
		String pageName = root.path("name").asString(null);
		String normalized = PageRules.normalizedName(pageName).orElse(null);
		if (normalized == null || !normalized.equals(PageRules.normalizedName(name).orElse(null))) {
			throw new PypiReadException("page for a different project: asked for " + name + ", got " + pageName, false);
		}
		JsonNode meta = root.path("meta");
		long serial = meta.path("_last-serial").canConvertToLong() ? meta.path("_last-serial").asLong()
				: response.lastSerialHeader();
		List<SimpleFile> files = new ArrayList<>();
		for (JsonNode file : root.path("files")) {
			String filename = file.path("filename").asString(null);
			String sha256 = PageRules.sha256(file.path("hashes"));
			String url = file.path("url").asString(null);
			String absolute = PageRules.resolveUrl(response.uri(), url);
			if (!PageRules.validFilename(filename) || sha256 == null || absolute == null) {
				continue;
			}
			// PEP 592 / 691: yanked is false, true, or the reason as a string.
			JsonNode yanked = file.path("yanked");
			boolean isYanked = yanked.isString() || yanked.asBoolean(false);
			files.add(new SimpleFile(filename, absolute, sha256,
					file.path("size").canConvertToLong() ? file.path("size").asLong() : null,
					PageRules.instant(file.path("upload-time")), PageRules.optionalString(file.path("requires-python")),
					isYanked, yanked.isString() ? PageRules.optionalString(yanked) : null));
		}
		List<String> versions = new ArrayList<>();
		for (JsonNode version : root.path("versions")) {
			versions.add(version.asString());
		}
		return new ProjectPage(normalized, serial, List.copyOf(files), List.copyOf(versions));
	}

}
