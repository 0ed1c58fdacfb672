package dev.wheelfarm.dispatch;

import java.time.Duration;
import java.util.Optional;

/**
 * An engine could not do what it was asked. Transient problems (5xx, rate limits,
 * timeouts) are retried by the dispatcher; others are recorded against the build.
 */
public class EngineException extends Exception {

	private static final long serialVersionUID = 1L;

	private final boolean transientFailure;

	private final Duration retryAfter;

	public EngineException(String message, boolean transientFailure, Throwable cause) {
		this(message, transientFailure, null, cause);
	}

	/**
	 * A transient failure whose engine said how long to wait (a rate limit's reset, a
	 * {@code Retry-After}): retrying sooner would only be refused again.
	 */
	public EngineException(String message, Duration retryAfter, Throwable cause) {
		this(message, true, retryAfter, cause);
	}

	private EngineException(String message, boolean transientFailure, Duration retryAfter, Throwable cause) {
		super(message, cause);
		this.transientFailure = transientFailure;
		this.retryAfter = retryAfter;
	}

	public EngineException(String message, boolean transientFailure) {
		this(message, transientFailure, null);
	}

	/** Whether the same call may succeed later. */
	public boolean isTransient() {
		return this.transientFailure;
	}

	/** How long the engine asked us to wait before the next call, when it said. */
	public Optional<Duration> retryAfter() {
		return Optional.ofNullable(this.retryAfter);
	}

}
