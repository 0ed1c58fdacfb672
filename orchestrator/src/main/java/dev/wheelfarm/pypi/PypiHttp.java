package dev.wheelfarm.pypi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;

import dev.wheelfarm.shared.HttpOutcome;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * The HTTP manners every PyPI client shares: a User-Agent with a contact, timeouts, a
 * size cap enforced while the body streams in, conditional GETs, redirects to the
 * normalized name, and retries with backoff on 429/5xx (Spring's {@link RetryTemplate})
 * that honour {@code Retry-After}.
 */
@Component
final class PypiHttp {

	private static final int MAX_REDIRECTS = 3;

	private final HttpClient client;

	private final PypiProperties properties;

	private final MeterRegistry meters;

	private final Pauses pauses;

	@Autowired
	PypiHttp(PypiProperties properties, MeterRegistry meters) {
		this(properties, meters, Pauses.SLEEP);
	}

	PypiHttp(PypiProperties properties, MeterRegistry meters, Pauses pauses) {
		this.properties = properties;
		this.meters = meters;
		this.pauses = pauses;
		// Redirects are followed by hand: only to the same host, and counted.
		this.client = HttpClient.newBuilder()
			.connectTimeout(properties.connectTimeout())
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
	}

	/** What came back: 200 with a body, 304, or 404. */
	record Response(int status, byte[] body, HttpHeaders headers, URI uri) {

		boolean notModified() {
			return this.status == 304;
		}

		boolean notFound() {
			return this.status == 404 || this.status == 410;
		}

		Optional<String> etag() {
			return this.headers.firstValue("ETag");
		}

		/**
		 * The body as JSON; a body that is not JSON is this page's fault, not a transient
		 * one.
		 */
		JsonNode json(JsonMapper mapper) {
			try {
				return mapper.readTree(this.body);
			}
			catch (JacksonException ex) {
				throw new PypiReadException("malformed JSON from " + this.uri + ": " + ex.getOriginalMessage(), false,
						ex);
			}
		}

		/** {@code X-PyPI-Last-Serial}, or -1 when the server did not send it. */
		long lastSerialHeader() {
			return this.headers.firstValue("X-PyPI-Last-Serial").map(PypiHttp::parseLongOrMinusOne).orElse(-1L);
		}

	}

	/**
	 * GETs {@code uri}, following same-host redirects and retrying what is transient (a
	 * 429, a 5xx, a timeout, a broken connection) with {@link RetryTemplate}.
	 * @throws PypiReadException when the page cannot be had, transient or not
	 */
	Response get(URI uri, String accept, String etag, long maxBytes) {
		Exchange exchange = new Exchange(uri, accept, etag, maxBytes);
		// One template per request: its backoff reads this exchange's last Retry-After.
		RetryTemplate retries = new RetryTemplate(
				RetryPolicy.builder().includes(Transient.class).backOff(new RetryAfterBackOff(exchange)).build());
		try {
			return retries.execute(exchange::attempt);
		}
		catch (RetryException ex) {
			throw givenUp(exchange, ex);
		}
	}

	private RuntimeException givenUp(Exchange exchange, RetryException ex) {
		Throwable last = ex.getLastException();
		if (last instanceof RuntimeException notRetried) {
			// A page that cannot be trusted, or an interruption while reading: never
			// retried, passed on as it was thrown.
			return notRetried;
		}
		if (last instanceof Error error) {
			throw error;
		}
		if (Thread.currentThread().isInterrupted()) {
			return new PypiReadException("interrupted while backing off from " + exchange.target, true, ex);
		}
		Transient fault = (Transient) last;
		if (fault.retryAfter != null && fault.retryAfter.compareTo(this.properties.maxBackoff()) > 0
				&& ex.getRetryCount() < this.properties.maxRetries()) {
			// Waiting that long would stall every other project of the cycle: the next
			// cycle asks again, which honours the server's wish as well.
			return new PypiReadException(fault.getMessage() + " from " + exchange.target + " with Retry-After "
					+ fault.retryAfter.toSeconds() + " s; trying next cycle", true, fault);
		}
		return new PypiReadException(
				fault.getMessage() + " from " + exchange.target + ", still after " + ex.getRetryCount() + " retries",
				true, fault);
	}

	/** One GET as a whole: its target moves with redirects, across attempts too. */
	private final class Exchange {

		private final String accept;

		private final String etag;

		private final long maxBytes;

		private URI target;

		private int redirects;

		private Transient lastFault;

		Exchange(URI uri, String accept, String etag, long maxBytes) {
			this.target = uri;
			this.accept = accept;
			this.etag = etag;
			this.maxBytes = maxBytes;
		}

		/** One attempt, redirects followed; a transient fault is thrown to be retried. */
		Response attempt() throws Transient {
			while (true) {
				HttpRequest.Builder request = HttpRequest.newBuilder(this.target)
					.timeout(PypiHttp.this.properties.readTimeout())
					.header("User-Agent", PypiHttp.this.properties.userAgent())
					.header("Accept", this.accept)
					.header("Accept-Encoding", "gzip");
				if (this.etag != null) {
					request.header("If-None-Match", this.etag);
				}
				Attempt result = send(request.build(), this.maxBytes);
				count(result);
				if (result.fault() != null) {
					throw fault(new Transient(result.fault(), null));
				}
				HttpResponse<byte[]> response = result.response();
				int status = response.statusCode();
				if (status == 301 || status == 302 || status == 307 || status == 308) {
					this.target = redirectTarget(this.target, response, ++this.redirects);
					continue;
				}
				if (status == 429 || status >= 500) {
					throw fault(new Transient("HTTP " + status, retryAfter(response.headers())));
				}
				if (status == 200) {
					return new Response(status, decode(response, this.maxBytes), response.headers(), this.target);
				}
				if (status == 304 || status == 404 || status == 410) {
					return new Response(status, new byte[0], response.headers(), this.target);
				}
				throw new PypiReadException("unexpected HTTP " + status + " from " + this.target, false);
			}
		}

		private Transient fault(Transient fault) {
			this.lastFault = fault;
			return fault;
		}

	}

	/** A fault worth another attempt, with the wait the server asked for, if any. */
	private static final class Transient extends Exception {

		private static final long serialVersionUID = 1L;

		private final Duration retryAfter;

		Transient(String fault, Duration retryAfter) {
			super(fault, null, false, false);
			this.retryAfter = retryAfter;
		}

	}

	/**
	 * Spring's exponential backoff ({@code initial-backoff}, doubling, at most
	 * {@code max-backoff}, {@code max-retries} of them), lengthened to the last
	 * {@code Retry-After}; a {@code Retry-After} beyond {@code max-backoff} stops the
	 * retries. The pause goes through {@link Pauses}, which tests replace.
	 */
	private final class RetryAfterBackOff implements BackOff {

		private final Exchange exchange;

		RetryAfterBackOff(Exchange exchange) {
			this.exchange = exchange;
		}

		@Override
		public BackOffExecution start() {
			ExponentialBackOff exponential = new ExponentialBackOff(
					PypiHttp.this.properties.initialBackoff().toMillis(), 2.0);
			exponential.setMaxInterval(PypiHttp.this.properties.maxBackoff().toMillis());
			exponential.setMaxAttempts(PypiHttp.this.properties.maxRetries());
			BackOffExecution execution = exponential.start();
			return () -> {
				long next = execution.nextBackOff();
				if (next == BackOffExecution.STOP) {
					return BackOffExecution.STOP;
				}
				Duration asked = (this.exchange.lastFault != null) ? this.exchange.lastFault.retryAfter : null;
				if (asked != null && asked.compareTo(PypiHttp.this.properties.maxBackoff()) > 0) {
					return BackOffExecution.STOP;
				}
				Duration pause = Duration.ofMillis(next);
				if (asked != null && asked.compareTo(pause) > 0) {
					pause = asked;
				}
				return PypiHttp.this.pauses.before(this.exchange.target, pause);
			};
		}

	}

	private record Attempt(HttpResponse<byte[]> response, String fault) {

	}

	/**
	 * {@code wheelfarm_pypi_requests_total{outcome, status}}: every exchange with PyPI,
	 * retries included, so an operator sees PyPI's trouble even when the retries hide it
	 * from the watcher.
	 */
	private void count(Attempt attempt) {
		int status = (attempt.response() != null) ? attempt.response().statusCode() : HttpOutcome.NO_ANSWER;
		this.meters
			.counter("wheelfarm.pypi.requests", "outcome", HttpOutcome.outcome(status), "status",
					HttpOutcome.statusClass(status))
			.increment();
	}

	private Attempt send(HttpRequest request, long maxBytes) {
		CompletableFuture<HttpResponse<byte[]>> future = this.client.sendAsync(request,
				(info) -> new CappedBody(maxBytes));
		try {
			// HttpRequest.timeout stops at the headers; this deadline covers a body that
			// trickles.
			return new Attempt(future.get(this.properties.readTimeout().toMillis(), TimeUnit.MILLISECONDS), null);
		}
		catch (TimeoutException ex) {
			future.cancel(true);
			return new Attempt(null, "no complete response within " + this.properties.readTimeout().toMillis() + " ms");
		}
		catch (InterruptedException ex) {
			future.cancel(true);
			Thread.currentThread().interrupt();
			throw new PypiReadException("interrupted while reading " + request.uri(), true, ex);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof PypiReadException read) {
				throw read;
			}
			if (cause instanceof java.net.http.HttpTimeoutException) {
				return new Attempt(null,
						"no complete response within " + this.properties.readTimeout().toMillis() + " ms");
			}
			if (cause instanceof IOException) {
				String message = (cause.getMessage() != null) ? cause.getMessage() : cause.getClass().getSimpleName();
				return new Attempt(null, "connection failed: " + message);
			}
			throw new PypiReadException("could not read " + request.uri() + ": " + cause, false, cause);
		}
	}

	/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date. */
	static Duration retryAfter(HttpHeaders headers) {
		Optional<String> value = headers.firstValue("Retry-After").map(String::strip);
		if (value.isEmpty()) {
			return null;
		}
		long seconds = parseLongOrMinusOne(value.get());
		if (seconds >= 0) {
			return Duration.ofSeconds(seconds);
		}
		try {
			ZonedDateTime at = ZonedDateTime.parse(value.get(), DateTimeFormatter.RFC_1123_DATE_TIME);
			Duration until = Duration.between(ZonedDateTime.now(at.getZone()), at);
			return until.isNegative() ? Duration.ZERO : until;
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	private URI redirectTarget(URI from, HttpResponse<byte[]> response, int redirects) {
		String location = response.headers()
			.firstValue("Location")
			.orElseThrow(() -> new PypiReadException(
					"HTTP " + response.statusCode() + " without a Location from " + from, false));
		URI to = from.resolve(location);
		if (redirects > MAX_REDIRECTS) {
			throw new PypiReadException("more than " + MAX_REDIRECTS + " redirects from " + from, false);
		}
		// PyPI redirects a non-normalized name to the normalized one on the same host;
		// anywhere else is not a page we asked for.
		if (!from.getHost().equalsIgnoreCase(String.valueOf(to.getHost())) || from.getPort() != to.getPort()) {
			throw new PypiReadException("redirect from " + from + " to another host: " + to, false);
		}
		return to;
	}

	private static byte[] decode(HttpResponse<byte[]> response, long maxBytes) {
		boolean gzip = response.headers()
			.firstValue("Content-Encoding")
			.map((encoding) -> encoding.strip().equalsIgnoreCase("gzip"))
			.orElse(false);
		if (!gzip) {
			return response.body();
		}
		// The cap applies to what is inflated too: a small gzip can expand without
		// bound.
		try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(response.body()))) {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			byte[] buffer = new byte[64 * 1024];
			int read;
			while ((read = in.read(buffer)) != -1) {
				if (out.size() + (long) read > maxBytes) {
					throw tooLarge(maxBytes);
				}
				out.write(buffer, 0, read);
			}
			return out.toByteArray();
		}
		catch (IOException ex) {
			throw new PypiReadException("corrupt gzip body from " + response.uri() + ": " + ex.getMessage(), false, ex);
		}
	}

	static PypiReadException tooLarge(long maxBytes) {
		return new PypiReadException("page larger than " + maxBytes + " bytes; refused", false);
	}

	static long parseLongOrMinusOne(String value) {
		try {
			return Long.parseLong(value.strip());
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	/** Collects the body and gives up as soon as it passes the cap, not after. */
	private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {

		private final CompletableFuture<byte[]> result = new CompletableFuture<>();

		private final ByteArrayOutputStream out = new ByteArrayOutputStream();

		private final long maxBytes;

		private Flow.Subscription subscription;

		CappedBody(long maxBytes) {
			this.maxBytes = maxBytes;
		}

		@Override
		public CompletionStage<byte[]> getBody() {
			return this.result;
		}

		@Override
		public void onSubscribe(Flow.Subscription subscription) {
			this.subscription = subscription;
			subscription.request(Long.MAX_VALUE);
		}

		@Override
		public void onNext(List<ByteBuffer> items) {
			if (this.result.isDone()) {
				return;
			}
			for (ByteBuffer item : items) {
				if (this.out.size() + (long) item.remaining() > this.maxBytes) {
					this.subscription.cancel();
					this.result.completeExceptionally(tooLarge(this.maxBytes));
					return;
				}
				byte[] bytes = new byte[item.remaining()];
				item.get(bytes);
				this.out.write(bytes, 0, bytes.length);
			}
		}

		@Override
		public void onError(Throwable throwable) {
			this.result.completeExceptionally(throwable);
		}

		@Override
		public void onComplete() {
			this.result.complete(this.out.toByteArray());
		}

	}

}
