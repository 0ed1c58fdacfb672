package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;

import org.kohsuke.github.authorization.AuthorizationProvider;

import dev.wheelfarm.shared.HttpOutcome;

/**
 * What every REST call the engine makes without hub4j shares (the workflow dispatch with
 * run details, the artifact list and download): GitHub's headers, the configured API root
 * and timeout, the credentials, the request metric and the rate budget read from each
 * answer.
 */
final class GitHubRestCalls {

	private static final String API_VERSION = "2022-11-28";

	private final HttpClient http;

	private final AuthorizationProvider authorization;

	private final GitHubProperties properties;

	private final RateBudget budget;

	private final GitHubMetrics metrics;

	private final String call;

	/**
	 * @param call the metric's {@code call} label, e.g. {@link GitHubMetrics#DISPATCH}
	 */
	GitHubRestCalls(HttpClient http, AuthorizationProvider authorization, GitHubProperties properties,
			RateBudget budget, GitHubMetrics metrics, String call) {
		this.http = http;
		this.authorization = authorization;
		this.properties = properties;
		this.budget = budget;
		this.metrics = metrics;
		this.call = call;
	}

	/** The path under the configured API root (which may end with a slash or not). */
	URI api(URI path) {
		String root = this.properties.apiUrl().toString();
		return URI.create((root.endsWith("/") ? root.substring(0, root.length() - 1) : root) + path);
	}

	/** A GET with GitHub's headers; the credentials only when the farm has them. */
	HttpRequest.Builder authorized(URI uri) throws IOException {
		HttpRequest.Builder request = unauthorized(uri).header("X-GitHub-Api-Version", API_VERSION);
		String credentials = this.authorization.getEncodedAuthorization();
		if (credentials != null) {
			request.header("Authorization", credentials);
		}
		return request;
	}

	/**
	 * A GET without credentials, for hosts that are not GitHub's API (signed storage
	 * URLs).
	 */
	HttpRequest.Builder unauthorized(URI uri) {
		return HttpRequest.newBuilder(uri)
			.timeout(this.properties.requestTimeout())
			.header("Accept", "application/vnd.github+json")
			.GET();
	}

	/** Sends, counts the answer (or its absence) and reads the rate budget from it. */
	<T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) throws IOException {
		try {
			HttpResponse<T> response = this.http.send(request.build(), body);
			this.metrics.count(this.call, response.statusCode());
			observeBudget(response);
			return response;
		}
		catch (IOException ex) {
			this.metrics.count(this.call, HttpOutcome.NO_ANSWER);
			throw ex;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new InterruptedIOException("Interrupted during a GitHub " + this.call + " call");
		}
	}

	private void observeBudget(HttpResponse<?> response) {
		Optional<String> remaining = response.headers().firstValue("X-RateLimit-Remaining");
		Optional<String> reset = response.headers().firstValue("X-RateLimit-Reset");
		if (remaining.isPresent() && reset.isPresent()) {
			try {
				this.budget.observe(Integer.parseInt(remaining.get().trim()), Long.parseLong(reset.get().trim()));
			}
			catch (NumberFormatException ex) {
				// A header we cannot read tells us nothing; the next answer will.
			}
		}
	}

}
