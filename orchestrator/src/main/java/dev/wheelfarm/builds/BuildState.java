package dev.wheelfarm.builds;

/**
 * Where a build stands. The legal moves between states are rows of the
 * {@code build_transition_rule} table, enforced by a trigger; this enum only names them.
 */
public enum BuildState {

	PENDING, DISPATCHED, RUNNING, SUCCEEDED, PUBLISHED, FAILED, CANCELLED, SKIPPED;

	/** Whether a builder is working on it (what counts against the concurrency cap). */
	public boolean isActive() {
		return this == DISPATCHED || this == RUNNING;
	}

	/** Whether nothing more happens to it unless an operator forces a retry. */
	public boolean isEnded() {
		return this == PUBLISHED || this == FAILED || this == CANCELLED || this == SKIPPED;
	}

}
