package dev.wheelfarm.dispatch.local;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Why a build failed, as the worker classifies it (docs/worker-protocol.md). Whether a
 * class is worth retrying is the ledger's decision; {@link #isTransient()} says which
 * classes describe the world rather than the sdist.
 */
public enum FailureClass {

	COMPILE_ERROR("compile-error", false),

	MISSING_SYSTEM_DEPENDENCY("missing-system-dependency", false),

	MISSING_BUILD_DEPENDENCY("missing-build-dependency", false),

	UNSUPPORTED_BACKEND("unsupported-backend", false),

	/** A tool or the whole job ran out of time: the runner may have been slow. */
	TIMEOUT("timeout", true),

	/** The sdist or a build dependency could not be downloaded (yet). */
	NETWORK("network", true),

	/** The bytes are not the sdist PyPI announced, or not a safe archive. */
	SDIST_MISMATCH("sdist-mismatch", false),

	CONFIG_ERROR("config-error", false),

	UNKNOWN("unknown", false);

	private final String wire;

	private final boolean transientFailure;

	FailureClass(String wire, boolean transientFailure) {
		this.wire = wire;
		this.transientFailure = transientFailure;
	}

	/** The name used in result.json. */
	@JsonValue
	public String wire() {
		return this.wire;
	}

	/** Whether the same inputs may succeed later, so a retry with backoff makes sense. */
	public boolean isTransient() {
		return this.transientFailure;
	}

}
