package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.kohsuke.github.authorization.AuthorizationProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.web.util.UriTemplate;

import dev.wheelfarm.dispatch.BuildJob;

/**
 * The one GitHub call hub4j cannot make: {@code workflow_dispatch} with
 * {@code return_run_details}, whose 200 answer carries the new run's id
 * ({@code GHWorkflow#dispatch} returns nothing).
 */
class WorkflowDispatchClient {

	static final UriTemplate DISPATCHES = new UriTemplate(
			"/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches");

	static final String INPUT_REQUEST_ID = "request_id";

	static final String INPUT_PROJECT = "project";

	static final String INPUT_VERSION = "version";

	static final String INPUT_SDIST_URL = "sdist_url";

	static final String INPUT_SDIST_SHA256 = "sdist_sha256";

	static final String INPUT_OPTIONS = "options";

	private final GitHubRestCalls calls;

	private final GitHubProperties properties;

	private final JsonMapper json;

	private final Clock clock;

	WorkflowDispatchClient(HttpClient http, AuthorizationProvider authorization, GitHubProperties properties,
			JsonMapper json, RateBudget budget, Clock clock, GitHubMetrics metrics) {
		this.calls = new GitHubRestCalls(http, authorization, properties, budget, metrics, GitHubMetrics.DISPATCH);
		this.properties = properties;
		this.json = json;
		this.clock = clock;
	}

	/** The run GitHub started, when it said (a 200); empty on a plain 204. */
	Optional<DispatchedRun> dispatch(BuildJob job) throws IOException {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("ref", this.properties.ref());
		body.put("inputs", inputs(job));
		body.put("return_run_details", true);
		HttpResponse<String> first = post(body);
		HttpResponse<String> response = first;
		if (first.statusCode() == 422 && first.body().contains("return_run_details")) {
			// Older GitHub Enterprise Server refuses the field: dispatch without it and
			// find the run by its run-name instead.
			body.remove("return_run_details");
			response = post(body);
		}
		return answer(response);
	}

	private Optional<DispatchedRun> answer(HttpResponse<String> response) throws IOException {
		int status = response.statusCode();
		if (status == 204) {
			return Optional.empty();
		}
		if (status == 200) {
			return Optional.of(parse(response.body()));
		}
		if (RateLimits.isRateLimited(status, (name) -> response.headers().firstValue(name).orElse(null),
				response.body())) {
			throw new RateLimitedException("GitHub rate limit on workflow dispatch (HTTP " + status + ")",
					RateLimits.waitTime((name) -> response.headers().firstValue(name).orElse(null), this.clock));
		}
		throw new GitHubHttpException("GitHub refused the workflow dispatch: HTTP " + status + " " + brief(response),
				status);
	}

	// Every input is a string on the wire: workflow_dispatch inputs are typed by the
	// workflow, and strings are what reach the job's env: unchanged. The names are the
	// ones workflows/wheelfarm-build.yml declares.
	static Map<String, String> inputs(BuildJob job) {
		Map<String, String> inputs = new LinkedHashMap<>();
		inputs.put(INPUT_REQUEST_ID, job.requestId());
		inputs.put(INPUT_PROJECT, job.project().value());
		inputs.put(INPUT_VERSION, job.version());
		inputs.put(INPUT_SDIST_URL, job.sdistUrl());
		inputs.put(INPUT_SDIST_SHA256, job.sdistSha256().hex());
		inputs.put(INPUT_OPTIONS, job.options());
		return inputs;
	}

	private HttpResponse<String> post(Map<String, Object> body) throws IOException {
		URI path = DISPATCHES.expand(Map.of("owner", this.properties.owner(), "repo", this.properties.repositoryName(),
				"workflow", this.properties.workflow()));
		HttpRequest.Builder request = this.calls.authorized(this.calls.api(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(this.json.writeValueAsString(body), StandardCharsets.UTF_8));
		return this.calls.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
	}

	private DispatchedRun parse(String body) throws IOException {
		try {
			JsonNode node = this.json.readTree(body);
			JsonNode id = node.path("workflow_run_id");
			if (!id.canConvertToLong() || id.asLong() <= 0) {
				throw new GitHubHttpException("GitHub's dispatch answer has no workflow_run_id", 200);
			}
			String htmlUrl = node.path("html_url").isString() ? node.path("html_url").asString() : null;
			return new DispatchedRun(id.asLong(), htmlUrl);
		}
		catch (JacksonException ex) {
			throw new GitHubHttpException("GitHub's dispatch answer is not JSON", 200);
		}
	}

	// GitHub's error bodies are short JSON messages; a proxy's HTML page is cut short.
	private static String brief(HttpResponse<String> response) {
		String body = response.body();
		return (body.length() > 300) ? body.substring(0, 300) + "…" : body;
	}

	/** A run GitHub reported starting, with the page a person can follow it on. */
	record DispatchedRun(long runId, String htmlUrl) {

	}

}
