package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.kohsuke.github.authorization.AuthorizationProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.web.util.UriTemplate;

/**
 * Lists a run's artifacts and downloads the result, with direct calls: hub4j's
 * {@code GHArtifact} does not say which run an artifact belongs to
 * ({@code workflow_run.id}), and that is the fact the farm checks before it trusts one.
 * The download URL is built from the configured API root and the artifact's id, never
 * taken from the listing, so the token only ever goes to the API host; the storage URL
 * GitHub redirects to is fetched without it.
 */
class ResultArtifacts {

	static final UriTemplate RUN_ARTIFACTS = new UriTemplate(
			"/repos/{owner}/{repo}/actions/runs/{run}/artifacts?per_page=100");

	static final UriTemplate ARTIFACT_ZIP = new UriTemplate("/repos/{owner}/{repo}/actions/artifacts/{artifact}/zip");

	private final GitHubRestCalls calls;

	private final GitHubProperties properties;

	private final JsonMapper json;

	private final Clock clock;

	ResultArtifacts(HttpClient http, AuthorizationProvider authorization, GitHubProperties properties, JsonMapper json,
			RateBudget budget, Clock clock, GitHubMetrics metrics) {
		this.calls = new GitHubRestCalls(http, authorization, properties, budget, metrics, GitHubMetrics.ARTIFACT);
		this.properties = properties;
		this.json = json;
		this.clock = clock;
	}

	/** The artifacts GitHub lists for the run (its first 100: a run makes a handful). */
	List<Artifact> list(long runId) throws IOException {
		URI uri = this.calls.api(RUN_ARTIFACTS
			.expand(Map.of("owner", this.properties.owner(), "repo", this.properties.repositoryName(), "run", runId)));
		HttpResponse<String> response = this.calls.send(this.calls.authorized(uri),
				HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
		if (response.statusCode() != 200) {
			throw refusal("list the artifacts of run " + runId, response.statusCode(), response, response.body());
		}
		try {
			List<Artifact> artifacts = new ArrayList<>();
			for (JsonNode node : this.json.readTree(response.body()).path("artifacts")) {
				JsonNode run = node.path("workflow_run").path("id");
				artifacts.add(new Artifact(node.path("id").asLong(), node.path("name").asString(""),
						node.path("size_in_bytes").asLong(), node.path("expired").asBoolean(false),
						run.canConvertToLong() ? run.asLong() : null));
			}
			return artifacts;
		}
		catch (JacksonException ex) {
			throw new GitHubHttpException("GitHub's artifact list for run " + runId + " is not JSON", 200);
		}
	}

	/**
	 * Downloads one artifact's zip into {@code unpacker}: the API answers with a
	 * short-lived redirect to its storage host, fetched without the credentials.
	 * @return the number of entries unpacked
	 */
	int download(long artifactId, Unpack unpacker) throws IOException {
		URI uri = this.calls.api(ARTIFACT_ZIP.expand(Map.of("owner", this.properties.owner(), "repo",
				this.properties.repositoryName(), "artifact", artifactId)));
		HttpResponse<InputStream> response = this.calls.send(this.calls.authorized(uri),
				HttpResponse.BodyHandlers.ofInputStream());
		if (response.statusCode() / 100 == 3) {
			response.body().close();
			Optional<String> location = response.headers().firstValue("Location");
			if (location.isEmpty()) {
				throw new GitHubHttpException("GitHub redirected the artifact download nowhere", response.statusCode());
			}
			URI storage = uri.resolve(location.get());
			if (!"https".equals(storage.getScheme()) && !"http".equals(storage.getScheme())) {
				throw new GitHubHttpException(
						"GitHub redirected the artifact download to " + storage.getScheme() + ":, not an HTTP URL",
						response.statusCode());
			}
			// The same request as hub4j's (and GitHub's own clients') but for the
			// credentials: the storage URL is signed, and is not GitHub's API host.
			response = this.calls.send(this.calls.unauthorized(storage), HttpResponse.BodyHandlers.ofInputStream());
		}
		try (InputStream body = response.body()) {
			if (response.statusCode() != 200) {
				throw refusal("download artifact " + artifactId, response.statusCode(), response, null);
			}
			return unpacker.unpack(body);
		}
	}

	private IOException refusal(String what, int status, HttpResponse<?> response, String body) {
		if (RateLimits.isRateLimited(status, (name) -> response.headers().firstValue(name).orElse(null), body)) {
			return new RateLimitedException("GitHub rate limit (" + what + ", HTTP " + status + ")",
					RateLimits.waitTime((name) -> response.headers().firstValue(name).orElse(null), this.clock));
		}
		return new GitHubHttpException("GitHub refused to " + what + ": HTTP " + status, status);
	}

	/**
	 * One entry of a run's artifact list.
	 *
	 * @param workflowRunId the run GitHub says made it; {@code null} when it did not say
	 */
	record Artifact(long id, String name, long sizeInBytes, boolean expired, Long workflowRunId) {

	}

	/** Where the downloaded zip goes. */
	@FunctionalInterface
	interface Unpack {

		int unpack(InputStream zip) throws IOException;

	}

}
