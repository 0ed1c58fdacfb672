package dev.wheelfarm.builds;

/** Whether trying the same build again could give a different outcome. */
public enum FailureKind {

	/**
	 * The sdist does not build with this recipe: not tried again until the recipe
	 * changes.
	 */
	PERMANENT,

	/** The world got in the way (runner lost, timeout, network): retried with backoff. */
	TRANSIENT

}
