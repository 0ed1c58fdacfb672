package dev.wheelfarm.dispatch;

/**
 * Where a run stands, in the engine-neutral terms the dispatcher acts on.
 *
 * @param phase queued, running or completed
 * @param conclusion how a completed run ended ({@code null} before it completes)
 * @param detail the engine's own words, for logs and the status page
 */
public record RunStatus(Phase phase, Conclusion conclusion, String detail) {

	public RunStatus {
		if (phase == null || (phase == Phase.COMPLETED) != (conclusion != null)) {
			throw new IllegalArgumentException("a run has a conclusion exactly when it is completed");
		}
	}

	public enum Phase {

		QUEUED, RUNNING, COMPLETED

	}

	/**
	 * How a run ended. A worker that ran to the end reports {@code SUCCESS} even when the
	 * build failed: its {@code result.json} says how the build went.
	 */
	public enum Conclusion {

		SUCCESS, FAILURE, CANCELLED, TIMED_OUT, STARTUP_FAILURE

	}

}
