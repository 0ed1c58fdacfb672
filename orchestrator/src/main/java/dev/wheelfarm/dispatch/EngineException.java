package dev.wheelfarm.dispatch;

/**
 * An engine could not do what it was asked. Transient problems (5xx, rate limits,
 * timeouts) are retried by the dispatcher; others are recorded against the build.
 */
public class EngineException extends Exception {

	private static final long serialVersionUID = 1L;

	private final boolean transientFailure;

	public EngineException(String message, boolean transientFailure, Throwable cause) {
		super(message, cause);
		this.transientFailure = transientFailure;
	}

	public EngineException(String message, boolean transientFailure) {
		this(message, transientFailure, null);
	}

	/** Whether the same call may succeed later. */
	public boolean isTransient() {
		return this.transientFailure;
	}

}
