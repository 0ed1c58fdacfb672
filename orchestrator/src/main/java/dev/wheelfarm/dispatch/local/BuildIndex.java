package dev.wheelfarm.dispatch.local;

/**
 * The package index an isolated build installs its build requirements from, leased for
 * the length of one build: the farm's cache grants each build its own credential and
 * revokes it when the build ends.
 */
@FunctionalInterface
public interface BuildIndex {

	/** A lease for one build; close it when the build has ended. */
	Lease lease();

	/** An index whose URL needs no lease (an operator's mirror). */
	static BuildIndex fixed(String url) {
		return () -> new Lease(url, () -> {
		});
	}

	/**
	 * The index of one build.
	 *
	 * @param url the simple index, possibly with a credential as its user information (it
	 * reaches the worker through its environment, never its command line, and stays
	 * outside the sandbox: the worker's relay adds it to each request)
	 * @param revoke ends the lease
	 */
	record Lease(String url, Runnable revoke) implements AutoCloseable {

		@Override
		public void close() {
			this.revoke.run();
		}

	}

}
