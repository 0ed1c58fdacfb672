package dev.wheelfarm.pypi;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;
import org.springframework.web.util.UriTemplate;

/**
 * PyPI's JSON API ({@code /pypi/<name>/json}): every release of a project with its files,
 * PyPI's hashes, sizes, upload times, {@code requires_python} and yanks. The watcher's
 * one request per changed project.
 */
@Component
public class JsonApiClient {

	static final String PROJECT = "/pypi/{project}/json";

	private static final String ACCEPT = "application/json";

	private final PypiHttp http;

	private final PypiProperties properties;

	private final JsonMapper json = JsonMapper.builder().build();

	// One PypiHttp (one HttpClient, one connection pool) serves both PyPI APIs.
	JsonApiClient(PypiProperties properties, PypiHttp http) {
		this.properties = properties;
		this.http = http;
	}

	/**
	 * Reads one project.
	 * @param name the normalized project name
	 * @param etag the ETag of the last accepted page, or null to read unconditionally
	 * @return the page, 304, or 404
	 * @throws PypiReadException when the page cannot be read or trusted
	 */
	public PypiPage<ProjectSnapshot> project(String name, String etag) {
		URI uri = new UriTemplate(this.properties.baseUrl() + PROJECT).expand(name);
		PypiHttp.Response response = this.http.get(uri, ACCEPT, etag, this.properties.maxPageSize().toBytes());
		if (response.notModified()) {
			return new PypiPage<>(PypiPage.Status.NOT_MODIFIED, null, etag, response.lastSerialHeader());
		}
		if (response.notFound()) {
			return new PypiPage<>(PypiPage.Status.NOT_FOUND, null, null, response.lastSerialHeader());
		}
		ProjectSnapshot snapshot = parse(name, response);
		return new PypiPage<>(PypiPage.Status.OK, snapshot, response.etag().orElse(null), snapshot.serial());
	}

	/**
	 * The links a project's metadata declares ({@code info.home_page} and
	 * {@code info.project_urls}): the PyPI half of the opt-in ownership check.
	 * @param name the normalized project name
	 * @return the links, or empty when PyPI has no such project
	 * @throws PypiReadException when PyPI could not be read or sent something unusable
	 */
	public Optional<List<String>> projectLinks(String name) {
		URI uri = new UriTemplate(this.properties.baseUrl() + PROJECT).expand(name);
		PypiHttp.Response response = this.http.get(uri, ACCEPT, null, this.properties.maxPageSize().toBytes());
		if (response.notFound()) {
			return Optional.empty();
		}
		JsonNode info = response.json(this.json).path("info");
		String pageName = info.path("name").asString(null);
		if (!info.isObject() || !PageRules.normalizedName(pageName).equals(PageRules.normalizedName(name))) {
			throw new PypiReadException("not the JSON API page of " + name + ": " + response.uri(), false);
		}
		List<String> links = new ArrayList<>();
		if (info.path("home_page").isString()) {
			links.add(info.path("home_page").stringValue());
		}
		for (Map.Entry<String, JsonNode> link : info.path("project_urls").properties()) {
			if (link.getValue().isString()) {
				links.add(link.getValue().stringValue());
			}
		}
		return Optional.of(List.copyOf(links));
	}

	private ProjectSnapshot parse(String name, PypiHttp.Response response) {
		JsonNode root = response.json(this.json);
		if (root == null || !root.isObject() || !root.path("info").isObject()) {
			throw new PypiReadException("not a JSON API project page: " + response.uri(), false);
		}
		String pageName = root.path("info").path("name").asString(null);
		String normalized = PageRules.normalizedName(pageName).orElse(null);
		if (normalized == null || !normalized.equals(PageRules.normalizedName(name).orElse(null))) {
			throw new PypiReadException("page for a different project: asked for " + name + ", got " + pageName, false);
		}
		long serial = root.path("last_serial").canConvertToLong() ? root.path("last_serial").asLong()
				: response.lastSerialHeader();
		if (serial < 0) {
			throw new PypiReadException("no serial in the page for " + name, false);
		}
		JsonNode releases = root.path("releases");
		if (!releases.isObject()) {
			throw new PypiReadException("no releases in the page for " + name, false);
		}
		Map<String, List<ProjectSnapshot.FileSnapshot>> result = new LinkedHashMap<>();
		List<String> warnings = new ArrayList<>();
		for (Map.Entry<String, JsonNode> release : releases.properties()) {
			String version = release.getKey();
			if (!PageRules.validVersion(version) || !release.getValue().isArray()) {
				warnings.add("ignored release with an unusable version " + abbreviate(version));
				continue;
			}
			List<ProjectSnapshot.FileSnapshot> files = new ArrayList<>();
			for (JsonNode file : release.getValue()) {
				ProjectSnapshot.FileSnapshot parsed = file(file, version, warnings);
				if (parsed != null) {
					files.add(parsed);
				}
			}
			result.put(version, List.copyOf(files));
		}
		return new ProjectSnapshot(normalized, serial, result, List.copyOf(warnings));
	}

	private static ProjectSnapshot.FileSnapshot file(JsonNode file, String version, List<String> warnings) {
		String filename = file.path("filename").asString(null);
		if (!PageRules.validFilename(filename)) {
			warnings.add("ignored a file of " + version + " with an unusable filename " + abbreviate(filename));
			return null;
		}
		String sha256 = PageRules.sha256(file.path("digests"));
		String url = file.path("url").asString(null);
		long size = file.path("size").canConvertToLong() ? file.path("size").asLong() : -1;
		if (sha256 == null || !PageRules.validUrl(url) || size < 0) {
			warnings.add("ignored " + filename + ": missing or malformed sha256, url or size");
			return null;
		}
		boolean yanked = file.path("yanked").asBoolean(false);
		return new ProjectSnapshot.FileSnapshot(filename,
				PageRules.kindOf(filename, file.path("packagetype").asString(null)), url, sha256, size,
				PageRules.instant(file.path("upload_time_iso_8601")),
				PageRules.optionalString(file.path("requires_python")), yanked,
				yanked ? PageRules.optionalString(file.path("yanked_reason")) : null);
	}

	static String abbreviate(String value) {
		if (value == null) {
			return "(none)";
		}
		String printable = value.replaceAll("\\p{Cntrl}", "?");
		return (printable.length() > 60) ? "\"" + printable.substring(0, 60) + "…\" (" + value.length() + " chars)"
				: "\"" + printable + "\"";
	}

}
