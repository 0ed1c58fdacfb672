package dev.wheelfarm.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import dev.wheelfarm.pypi.PypiProperties;
import dev.wheelfarm.shared.Sha256;

import org.springframework.stereotype.Component;

/**
 * The cache's reads from upstream: one attempt each, with a deadline. A build waits on
 * the answer, so there is no retry loop here: what fails is a 503 with
 * {@code Retry-After}, and pip (or the next build) asks again.
 */
@Component
class UpstreamClient {

	/** What pip asks PyPI for; the cache keeps the JSON form and renders HTML from it. */
	static final String PAGE_ACCEPT = "application/vnd.pypi.simple.v1+json";

	private static final int BUFFER = 64 * 1024;

	private final HttpClient client;

	private final CacheProperties properties;

	private final PypiProperties pypi;

	private final CacheMetrics metrics;

	private final String userAgent;

	UpstreamClient(CacheProperties properties, PypiProperties pypi, CacheMetrics metrics) {
		this.properties = properties;
		this.pypi = pypi;
		this.metrics = metrics;
		// PyPI's files live on another host (files.pythonhosted.org) and non-normalized
		// names are redirected: both are followed, never from https down to http.
		this.client = HttpClient.newBuilder()
			.connectTimeout(properties.timeout())
			.followRedirects(HttpClient.Redirect.NORMAL)
			.build();
		// PyPI asks every client to say who it is and how to reach its operator.
		this.userAgent = "wheelfarm-cache (+" + pypi.contact() + ")";
	}

	/**
	 * GETs a project page, conditionally when {@code etag} is given.
	 * @return 200 with the body, 304, or 404
	 * @throws UpstreamException when upstream cannot answer
	 */
	PageAnswer page(URI url, String etag) {
		HttpRequest.Builder request = request(url).header("Accept", PAGE_ACCEPT);
		if (etag != null) {
			request.header("If-None-Match", etag);
		}
		HttpResponse<InputStream> response = send(request.build(), CacheMetrics.PAGE);
		try (InputStream body = response.body()) {
			int status = response.statusCode();
			if (status == 304) {
				this.metrics.upstream(CacheMetrics.PAGE, "not_modified", 0);
				return new PageAnswer(304, null, etag);
			}
			if (status == 404 || status == 410) {
				this.metrics.upstream(CacheMetrics.PAGE, "not_found", 0);
				return new PageAnswer(404, null, null);
			}
			failIfNotOk(response, CacheMetrics.PAGE);
			long limit = this.pypi.maxPageSize().toBytes();
			byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
			this.metrics.upstream(CacheMetrics.PAGE, "ok", bytes.length);
			if (bytes.length > limit) {
				throw new UpstreamException(url + " is larger than wheelfarm.pypi.max-page-size (" + limit + " bytes)");
			}
			String type = response.headers().firstValue("Content-Type").orElse("");
			if (!type.startsWith(PAGE_ACCEPT)) {
				throw new UpstreamException(url + " answered " + type + ", not " + PAGE_ACCEPT
						+ ": the cache's upstream must speak PEP 691 JSON");
			}
			return new PageAnswer(200, bytes, response.headers().firstValue("ETag").orElse(null));
		}
		catch (IOException ex) {
			this.metrics.upstream(CacheMetrics.PAGE, "failed", 0);
			throw new UpstreamException("reading " + url + " failed: " + ex.getMessage(), true, ex);
		}
	}

	/**
	 * Downloads a file into {@code target}, hashing it on the way.
	 * @return its size
	 * @throws UpstreamException when upstream cannot answer, the bytes do not hash to
	 * {@code expected}, or the file is larger than {@code wheelfarm.cache.max-file-size}
	 */
	long download(URI url, Sha256 expected, Path target, String kind) {
		HttpResponse<InputStream> response = send(request(url).build(), kind);
		long limit = this.properties.maxFileSize().toBytes();
		long size = 0;
		try (InputStream body = response.body()) {
			failIfNotOk(response, kind);
			Sha256.Hasher hasher = Sha256.hasher();
			try (OutputStream out = hasher.writingTo(Files.newOutputStream(target))) {
				byte[] buffer = new byte[BUFFER];
				int read;
				while ((read = body.read(buffer)) >= 0) {
					size += read;
					if (size > limit) {
						this.metrics.upstream(kind, "refused", size);
						throw new UpstreamException(
								url + " is larger than wheelfarm.cache.max-file-size (" + limit + " bytes)");
					}
					out.write(buffer, 0, read);
				}
			}
			Sha256 actual = hasher.finish();
			if (!actual.equals(expected)) {
				this.metrics.upstream(kind, "refused", size);
				throw new UpstreamException(url + " sent bytes that hash to " + actual.hex()
						+ ", but upstream's page lists " + expected.hex() + ": refused, not cached");
			}
			this.metrics.upstream(kind, "ok", size);
			return size;
		}
		catch (IOException ex) {
			this.metrics.upstream(kind, "failed", size);
			throw new UpstreamException("downloading " + url + " failed: " + ex.getMessage(), true, ex);
		}
	}

	private HttpRequest.Builder request(URI url) {
		return HttpRequest.newBuilder(url).timeout(this.properties.timeout()).header("User-Agent", this.userAgent);
	}

	private HttpResponse<InputStream> send(HttpRequest request, String kind) {
		try {
			return this.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
		}
		catch (IOException ex) {
			// Refused, reset or timed out (HttpTimeoutException is an IOException).
			this.metrics.upstream(kind, "failed", 0);
			throw new UpstreamException(request.uri() + " did not answer: " + describe(ex), true, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new UpstreamException("interrupted while asking " + request.uri(), true, ex);
		}
	}

	private void failIfNotOk(HttpResponse<?> response, String kind) {
		int status = response.statusCode();
		if (status == 200) {
			return;
		}
		this.metrics.upstream(kind, (status == 404 || status == 410) ? "not_found" : "failed", 0);
		// 429 and 5xx pass; anything else (a 404 for a listed file, a 403) will not be
		// different a minute later, but it is still upstream's fault, not the client's.
		boolean passes = status == 429 || status >= 500;
		throw new UpstreamException(response.uri() + " answered " + status, passes, null);
	}

	private static String describe(IOException ex) {
		return Optional.ofNullable(ex.getMessage()).orElse(ex.getClass().getSimpleName());
	}

	/** Upstream's answer to a page request: 200 (body and ETag), 304 or 404. */
	record PageAnswer(int status, byte[] body, String etag) {

	}

}
