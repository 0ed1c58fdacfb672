package dev.wheelfarm.builds;

import java.util.Arrays;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Why a build failed, as the worker ({@code result.json}) or the orchestrator names it.
 * The kind decides whether the failure is remembered or retried.
 */
public enum FailureClass {

	// Reported by the worker: the sdist itself does not build with this recipe.
	COMPILE_ERROR("compile-error", FailureKind.PERMANENT),
	MISSING_SYSTEM_DEPENDENCY("missing-system-dependency", FailureKind.PERMANENT),
	MISSING_BUILD_DEPENDENCY("missing-build-dependency", FailureKind.PERMANENT),
	UNSUPPORTED_BACKEND("unsupported-backend", FailureKind.PERMANENT),
	CONFIG_ERROR("config-error", FailureKind.PERMANENT),
	/**
	 * The bytes are not the ones PyPI announced: building them would publish the wrong
	 * thing.
	 */
	SDIST_MISMATCH("sdist-mismatch", FailureKind.PERMANENT),
	/**
	 * The local sandbox's limits (memory, processes, file size, /tmp) stopped the build:
	 * the same sdist hits them again.
	 */
	SANDBOX_LIMIT("sandbox-limit", FailureKind.PERMANENT),
	/**
	 * The build needed what the local sandbox denies (the farm's files, its variables, a
	 * network other than the package index).
	 */
	SANDBOX_DENIED("sandbox-denied", FailureKind.PERMANENT),

	// Reported by the worker: the environment got in the way.
	TIMEOUT("timeout", FailureKind.TRANSIENT), NETWORK("network", FailureKind.TRANSIENT),
	/**
	 * Unclassified: retried, because a wrong "permanent" hides a build forever (piwheels'
	 * users' top complaint) while a wrong "transient" only costs the capped number of
	 * attempts.
	 */
	UNKNOWN("unknown", FailureKind.TRANSIENT),

	// Seen by the orchestrator around the worker.
	RUNNER_LOST("runner-lost", FailureKind.TRANSIENT),
	BUILDER_UNAVAILABLE("builder-unavailable", FailureKind.TRANSIENT),
	ARTIFACT_DOWNLOAD_FAILED("artifact-download-failed", FailureKind.TRANSIENT),
	/**
	 * The worker claimed success but a wheel failed verification: the recipe produced it.
	 */
	INVALID_WHEEL("invalid-wheel", FailureKind.PERMANENT),
	/**
	 * An engine whose runs attest their wheels (GitHub Actions) delivered a wheel without
	 * its PEP 740 attestation: not published, since nothing shows where it came from.
	 * Permanent for the recipe: an operator's forced retry or a maintainer's rebuild runs
	 * it again once the signing step is fixed.
	 */
	ATTESTATION_MISSING("attestation-missing", FailureKind.PERMANENT),
	/**
	 * A wheel's attestation does not verify against the trusted root, or was signed by
	 * another repository or workflow than the farm's build workflow.
	 */
	ATTESTATION_INVALID("attestation-invalid", FailureKind.PERMANENT);

	private final String code;

	private final FailureKind kind;

	FailureClass(String code, FailureKind kind) {
		this.code = code;
		this.kind = kind;
	}

	/** The name used in {@code result.json}, the database and the status pages. */
	@JsonValue
	public String code() {
		return this.code;
	}

	public FailureKind kind() {
		return this.kind;
	}

	/** The class for a code, or empty when the code is not one we know. */
	public static Optional<FailureClass> fromCode(String code) {
		return Arrays.stream(values()).filter((candidate) -> candidate.code.equals(code)).findFirst();
	}

	/** Whether the same inputs may succeed later, so a retry with backoff makes sense. */
	public boolean isTransient() {
		return this.kind == FailureKind.TRANSIENT;
	}

	/** The class for a code reported by a worker; an unknown code is {@link #UNKNOWN}. */
	@JsonCreator
	public static FailureClass fromWorker(String code) {
		return fromCode(code).orElse(UNKNOWN);
	}

}
