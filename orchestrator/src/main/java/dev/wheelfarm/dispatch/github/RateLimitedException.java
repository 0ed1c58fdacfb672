package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.time.Duration;

/**
 * GitHub refused a call for a rate limit (primary or secondary) and said how long to
 * wait. An {@link IOException} so that it travels through hub4j's request path unchanged.
 */
class RateLimitedException extends IOException {

	private static final long serialVersionUID = 1L;

	private final Duration retryAfter;

	RateLimitedException(String message, Duration retryAfter) {
		super(message);
		this.retryAfter = retryAfter;
	}

	Duration retryAfter() {
		return this.retryAfter;
	}

}
