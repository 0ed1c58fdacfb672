package dev.wheelfarm.dispatch.github;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * Reads GitHub's rate-limit headers into the time to wait. GitHub documents the order:
 * {@code Retry-After} (seconds) when present; otherwise, with
 * {@code X-RateLimit-Remaining: 0}, until {@code X-RateLimit-Reset} (epoch seconds);
 * otherwise (a secondary limit that names no time) at least a minute.
 */
final class RateLimits {

	/** What GitHub asks for a secondary limit that gives no time. */
	static final Duration SECONDARY_DEFAULT = Duration.ofMinutes(1);

	private RateLimits() {
	}

	/**
	 * Whether a response is a rate-limit refusal rather than a permission problem: 429
	 * always, 403 only with a limit header or GitHub's wording in the body.
	 */
	static boolean isRateLimited(int status, Function<String, String> headers, String body) {
		if (status == 429) {
			return true;
		}
		if (status != 403) {
			return false;
		}
		return headers.apply("Retry-After") != null || "0".equals(headers.apply("X-RateLimit-Remaining"))
				|| (body != null && body.toLowerCase(java.util.Locale.ROOT).contains("rate limit"));
	}

	static Duration waitTime(Function<String, String> headers, Clock clock) {
		Duration retryAfter = seconds(headers.apply("Retry-After"));
		if (retryAfter != null) {
			return retryAfter;
		}
		if ("0".equals(headers.apply("X-RateLimit-Remaining"))) {
			Long reset = number(headers.apply("X-RateLimit-Reset"));
			if (reset != null) {
				Duration untilReset = Duration.between(clock.instant(), Instant.ofEpochSecond(reset));
				// A second of slack: GitHub's clock and ours are not the same clock.
				return untilReset.isNegative() ? Duration.ofSeconds(1) : untilReset.plusSeconds(1);
			}
		}
		return SECONDARY_DEFAULT;
	}

	private static Duration seconds(String value) {
		Long number = number(value);
		return (number != null && number >= 0) ? Duration.ofSeconds(number) : null;
	}

	private static Long number(String value) {
		if (value == null) {
			return null;
		}
		try {
			return Long.parseLong(value.trim());
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

}
