package dev.wheelfarm.optin;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.wheelfarm.shared.ProjectName;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.web.util.UriTemplate;

/**
 * The links a PyPI project's metadata declares ({@code info.project_urls} and
 * {@code info.home_page} of {@code /pypi/<name>/json}): one half of the ownership check.
 * It reads {@code wheelfarm.pypi.base-url}, the watcher's property, so both always ask
 * the same PyPI. It is a deliberately small reader until the watcher's
 * {@code JsonApiClient} (branch {@code pypi}) lands in main and takes this call over.
 */
@Component
class PypiProjectLinks {

	static final String PROJECT = "/pypi/{project}/json";

	private static final long MAX_BODY = 32L * 1024 * 1024;

	private final String baseUrl;

	private final Duration timeout;

	private final HttpClient http;

	private final JsonMapper json = JsonMapper.builder().build();

	@Autowired
	PypiProjectLinks(Environment environment, OptInProperties properties) {
		this(environment.getProperty("wheelfarm.pypi.base-url", "https://pypi.org"), properties.fetchTimeout());
	}

	PypiProjectLinks(String baseUrl, Duration timeout) {
		this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
		this.timeout = timeout;
		this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
	}

	/**
	 * Looks a project up.
	 * @return whether PyPI has it, and its declared URLs
	 * @throws PypiLookupException when PyPI could not be asked (try later)
	 */
	Links lookup(ProjectName name) throws PypiLookupException {
		URI uri = new UriTemplate(this.baseUrl + PROJECT).expand(name.value());
		HttpRequest request = HttpRequest.newBuilder(uri)
			.timeout(this.timeout)
			.header("Accept", "application/json")
			.header("User-Agent", "wheelfarm (opt-in ownership check)")
			.GET()
			.build();
		HttpResponse<InputStream> response;
		byte[] body;
		try {
			response = this.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
			try (InputStream stream = response.body()) {
				body = stream.readNBytes((int) MAX_BODY + 1);
			}
		}
		catch (IOException ex) {
			throw new PypiLookupException("could not ask PyPI about " + name.value() + ": " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new PypiLookupException("interrupted while asking PyPI about " + name.value(), ex);
		}
		if (response.statusCode() == 404) {
			return new Links(false, List.of());
		}
		if (response.statusCode() != 200) {
			throw new PypiLookupException("PyPI answered " + response.statusCode() + " for " + name.value(), null);
		}
		if (body.length > MAX_BODY) {
			throw new PypiLookupException("PyPI's page for " + name.value() + " is larger than " + MAX_BODY + " bytes",
					null);
		}
		return parse(name, body);
	}

	private Links parse(ProjectName name, byte[] body) throws PypiLookupException {
		JsonNode info;
		try {
			info = this.json.readTree(body).path("info");
		}
		catch (JacksonException ex) {
			throw new PypiLookupException("PyPI sent malformed JSON for " + name.value(), ex);
		}
		if (!info.isObject()) {
			throw new PypiLookupException("PyPI's page for " + name.value() + " has no info", null);
		}
		List<String> urls = new ArrayList<>();
		if (info.path("home_page").isString()) {
			urls.add(info.path("home_page").stringValue());
		}
		for (Map.Entry<String, JsonNode> link : info.path("project_urls").properties()) {
			if (link.getValue().isString()) {
				urls.add(link.getValue().stringValue());
			}
		}
		return new Links(true, List.copyOf(urls));
	}

	/**
	 * What PyPI says about a project.
	 *
	 * @param exists whether PyPI has the project
	 * @param urls the home page and project URLs it declares
	 */
	record Links(boolean exists, List<String> urls) {

		boolean pointsTo(String repositoryUrl) {
			return this.urls.stream().anyMatch((url) -> RepositoryUrls.sameRepository(url, repositoryUrl));
		}

	}

	/** PyPI could not be asked; the check is repeated at the next re-sync. */
	static class PypiLookupException extends Exception {

		PypiLookupException(String message, Throwable cause) {
			super(message, cause);
		}

	}

}
