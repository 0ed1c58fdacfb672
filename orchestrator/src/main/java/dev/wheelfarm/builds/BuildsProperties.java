package dev.wheelfarm.builds;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the ledger hands out builds and retries transient failures.
 *
 * @param maxAttempts attempts of one build (the first included) before a transient
 * failure is recorded as failed
 * @param retryBaseDelay delay before the second attempt; doubled for each further one
 * @param retryMaxDelay the longest delay between two attempts
 * @param lease how long a claim stays with the instance that made it; an instance that
 * dies loses its claims when their leases expire
 * @param maxConcurrent the most builds dispatched or running at once, across all
 * instances
 * @param rebuildsPerProjectPerDay the most rebuilds a project's maintainers may ask for
 * in any 24 hours (counted in the database, so across restarts and replicas)
 */
@ConfigurationProperties("wheelfarm.builds")
public record BuildsProperties(@DefaultValue("4") int maxAttempts, @DefaultValue("1m") Duration retryBaseDelay,
		@DefaultValue("1h") Duration retryMaxDelay, @DefaultValue("10m") Duration lease,
		@DefaultValue("4") int maxConcurrent, @DefaultValue("3") int rebuildsPerProjectPerDay) {

	public BuildsProperties {
		require(maxAttempts >= 1, "wheelfarm.builds.max-attempts must be at least 1, not " + maxAttempts);
		require(maxConcurrent >= 1, "wheelfarm.builds.max-concurrent must be at least 1, not " + maxConcurrent);
		require(positive(retryBaseDelay), "wheelfarm.builds.retry-base-delay must be positive");
		require(positive(retryMaxDelay) && retryMaxDelay.compareTo(retryBaseDelay) >= 0,
				"wheelfarm.builds.retry-max-delay must be at least retry-base-delay");
		require(positive(lease), "wheelfarm.builds.lease must be positive");
		require(rebuildsPerProjectPerDay >= 1,
				"wheelfarm.builds.rebuilds-per-project-per-day must be at least 1, not " + rebuildsPerProjectPerDay);
	}

	/**
	 * The wait before attempt {@code attempt + 1}, after {@code attempt} attempts failed.
	 */
	public Duration retryDelayAfter(int attempt) {
		// 2^(attempt-1) overflows quickly; past 30 doublings any sane cap is reached
		// anyway.
		int doublings = Math.min(Math.max(attempt - 1, 0), 30);
		Duration delay = this.retryBaseDelay.multipliedBy(1L << doublings);
		return (delay.compareTo(this.retryMaxDelay) > 0) ? this.retryMaxDelay : delay;
	}

	private static boolean positive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

}
