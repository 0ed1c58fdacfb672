package dev.wheelfarm.pypi;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How the farm reads PyPI ({@code wheelfarm.pypi.*}); every property is documented in
 * docs/configuration.md.
 *
 * @param baseUrl where the Simple and JSON APIs live; the files host comes from the pages
 * @param contact who to tell when the farm misbehaves: PyPI asks every client to put a
 * contact in its User-Agent
 * @param watchEnabled whether the watch job runs on its schedule (tests drive cycles
 * directly)
 * @param pollInterval the pause between two incremental watch cycles
 * @param reconcileInterval how often a cycle re-reads every opted-in project instead of
 * only the changed ones
 * @param connectTimeout the TCP/TLS connect timeout
 * @param readTimeout the deadline for one whole response, body included
 * @param maxPageSize the largest project page accepted (JSON API or Simple page)
 * @param maxIndexSize the largest root listing accepted ({@code /simple/} lists every
 * project on PyPI)
 * @param maxRetries how many times one request is retried after a 429, a 5xx, a timeout
 * or a broken connection
 * @param initialBackoff the first pause before a retry; it doubles with each attempt
 * @param maxBackoff the longest pause; a {@code Retry-After} longer than this gives up
 * for this cycle instead of stalling it
 */
@ConfigurationProperties("wheelfarm.pypi")
public record PypiProperties(@DefaultValue("https://pypi.org") URI baseUrl,
		@DefaultValue("https://github.com/wheelfarm/wheelfarm") String contact,
		@DefaultValue("true") boolean watchEnabled, @DefaultValue("5m") Duration pollInterval,
		@DefaultValue("24h") Duration reconcileInterval, @DefaultValue("10s") Duration connectTimeout,
		@DefaultValue("60s") Duration readTimeout, @DefaultValue("5MB") DataSize maxPageSize,
		@DefaultValue("256MB") DataSize maxIndexSize, @DefaultValue("3") int maxRetries,
		@DefaultValue("1s") Duration initialBackoff, @DefaultValue("60s") Duration maxBackoff) {

	public PypiProperties {
		String base = baseUrl.toString();
		// URI templates are appended to the base: one trailing slash, never two.
		baseUrl = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
		if (maxRetries < 0) {
			throw new IllegalArgumentException("wheelfarm.pypi.max-retries must be >= 0");
		}
		if (pollInterval.isNegative() || pollInterval.isZero()) {
			throw new IllegalArgumentException("wheelfarm.pypi.poll-interval must be positive");
		}
	}

	/**
	 * The User-Agent PyPI sees: the farm, its version and a way to reach its operator.
	 */
	String userAgent() {
		String version = PypiProperties.class.getPackage().getImplementationVersion();
		return "wheelfarm/" + ((version != null) ? version : "dev") + " (+" + this.contact + ")";
	}

}
