package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.wheelfarm.shared.HttpOutcome;
import org.kohsuke.github.connector.GitHubConnector;
import org.kohsuke.github.connector.GitHubConnectorRequest;
import org.kohsuke.github.connector.GitHubConnectorResponse;

/**
 * hub4j's transport over the JDK {@link HttpClient}, with what hub4j's own JDK connector
 * cannot be given: a timeout on every call, so a GitHub that stops answering fails the
 * call (transiently) instead of holding a dispatcher thread forever. Redirects are left
 * to hub4j, which drops the {@code Authorization} header when one leaves GitHub's host.
 */
final class TimeoutConnector implements GitHubConnector {

	// The JDK refuses to let callers set these; it sets them itself.
	private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

	private final HttpClient client;

	private final Duration requestTimeout;

	private final GitHubMetrics metrics;

	TimeoutConnector(HttpClient client, Duration requestTimeout, GitHubMetrics metrics) {
		this.client = client;
		this.requestTimeout = requestTimeout;
		this.metrics = metrics;
	}

	@Override
	public GitHubConnectorResponse send(GitHubConnectorRequest request) throws IOException {
		HttpRequest.Builder builder;
		try {
			builder = HttpRequest.newBuilder(request.url().toURI()).timeout(this.requestTimeout);
		}
		catch (URISyntaxException ex) {
			throw new IOException("Not a valid URL: " + request.url(), ex);
		}
		for (Map.Entry<String, List<String>> header : request.allHeaders().entrySet()) {
			if (header.getKey() != null && !RESTRICTED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
				header.getValue().forEach((value) -> builder.header(header.getKey(), value));
			}
		}
		HttpRequest.BodyPublisher body = request.hasBody() ? HttpRequest.BodyPublishers.ofInputStream(request::body)
				: HttpRequest.BodyPublishers.noBody();
		builder.method(request.method(), body);
		try {
			HttpResponse<InputStream> response = this.client.send(builder.build(),
					HttpResponse.BodyHandlers.ofInputStream());
			this.metrics.count(GitHubMetrics.API, response.statusCode());
			return new Response(request, response);
		}
		catch (IOException ex) {
			this.metrics.count(GitHubMetrics.API, HttpOutcome.NO_ANSWER);
			throw ex;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new InterruptedIOException("Interrupted while calling GitHub");
		}
	}

	private static final class Response extends GitHubConnectorResponse {

		private final InputStream body;

		private InputStream wrapped;

		Response(GitHubConnectorRequest request, HttpResponse<InputStream> response) {
			super(request, response.statusCode(), response.headers().map());
			this.body = response.body();
		}

		@Override
		public InputStream bodyStream() throws IOException {
			if (this.wrapped == null) {
				this.wrapped = wrapStream(this.body);
			}
			return this.wrapped;
		}

		@Override
		public void close() throws IOException {
			this.body.close();
		}

	}

}
