package dev.wheelfarm.cache;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;
import org.springframework.util.unit.DataSize;

/**
 * The pull-through cache of PyPI that the farm's builds install their build requirements
 * from ({@code wheelfarm.cache.*}, docs/configuration.md).
 *
 * @param upstream the Simple API root the cache reads (PEP 691 JSON), e.g. a mirror's
 * {@code https://mirror.example/simple/}; empty means {@code wheelfarm.pypi.base-url}
 * followed by {@code /simple/}
 * @param open whether anyone may use the cache ({@code wheelfarm.cache.public}); when
 * false only requests carrying a build's grant are answered, others get 403
 * @param pageTtl how long a project page is served without asking upstream; after it the
 * page is revalidated with its ETag
 * @param staleIfError how long past its time-to-live a page is still served when upstream
 * cannot be reached to revalidate it
 * @param maxSize the most bytes of files the cache keeps; beyond it the least recently
 * used files are deleted
 * @param maxFileSize the largest single file the cache fetches
 * @param timeout the connect timeout, and the time upstream has to start answering
 * @param retryAfter the {@code Retry-After} sent with a 503 when upstream is unreachable
 */
@ConfigurationProperties("wheelfarm.cache")
public record CacheProperties(@DefaultValue("") String upstream, @Name("public") @DefaultValue("false") boolean open,
		@DefaultValue("10m") Duration pageTtl, @DefaultValue("24h") Duration staleIfError,
		@DefaultValue("10GB") DataSize maxSize, @DefaultValue("1GB") DataSize maxFileSize,
		@DefaultValue("30s") Duration timeout, @DefaultValue("60s") Duration retryAfter) {

	public CacheProperties {
		if (!upstream.isBlank()) {
			URI uri = URI.create(upstream.strip());
			if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
				throw new IllegalArgumentException(
						"wheelfarm.cache.upstream must be an http(s) URL of a Simple API root: " + upstream);
			}
			upstream = uri.toString().endsWith("/") ? uri.toString() : uri + "/";
		}
		require(!pageTtl.isNegative(), "wheelfarm.cache.page-ttl must not be negative");
		require(!staleIfError.isNegative(), "wheelfarm.cache.stale-if-error must not be negative");
		require(maxSize.toBytes() > 0, "wheelfarm.cache.max-size must be positive");
		require(maxFileSize.toBytes() > 0, "wheelfarm.cache.max-file-size must be positive");
		require(!(timeout.isNegative() || timeout.isZero()), "wheelfarm.cache.timeout must be positive");
		require(!(retryAfter.isNegative() || retryAfter.isZero()), "wheelfarm.cache.retry-after must be positive");
	}

	/** The Simple API root to read: the operator's mirror, or PyPI's. */
	URI upstreamRoot(URI pypiBaseUrl) {
		return URI.create(this.upstream.isBlank() ? pypiBaseUrl + "/simple/" : this.upstream);
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

}
