package dev.wheelfarm.status;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import dev.wheelfarm.builds.BuildState;
import dev.wheelfarm.builds.FailureClass;

/**
 * The one mapping from the ledger's state codes to words a Python user understands. Every
 * page shows these (no page shows {@code OPTED_IN} or {@code PENDING}); the JSON API
 * sends the code with the words beside it.
 */
public final class StateWords {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
		.withZone(ZoneOffset.UTC);

	private StateWords() {
	}

	/**
	 * A build's state in words.
	 * @param state the state
	 * @param failureClass the last failure's class code, null if none
	 * @param failureKind {@code permanent} or {@code transient}, null if no failure
	 * @param nextAttemptAt when a waiting build may run again (a retry's backoff)
	 */
	public static String build(BuildState state, String failureClass, String failureKind, Instant nextAttemptAt) {
		return switch (state) {
			// A pending build with a failure is a transient failure waiting out its
			// backoff.
			case PENDING -> (failureClass != null)
					? "waiting to retry after " + failure(failureClass) + " (not before " + time(nextAttemptAt) + ")"
					: "queued";
			case DISPATCHED -> "starting on a builder";
			case RUNNING -> "building";
			case SUCCEEDED -> "built, being published";
			case PUBLISHED -> "built";
			case FAILED -> "permanent".equals(failureKind)
					? "failed — will not retry until the recipe or the sdist changes, or a maintainer asks for a rebuild"
					: "failed — gave up retrying; will not retry until a maintainer asks for a rebuild";
			case CANCELLED -> "cancelled";
			case SKIPPED -> "skipped";
		};
	}

	/** A short word for a state, for filters and badges. */
	public static String brief(BuildState state) {
		return switch (state) {
			case PENDING -> "queued";
			case DISPATCHED -> "starting";
			case RUNNING -> "building";
			case SUCCEEDED -> "publishing";
			case PUBLISHED -> "built";
			case FAILED -> "failed";
			case CANCELLED -> "cancelled";
			case SKIPPED -> "skipped";
		};
	}

	/** A project's opt-in state in words. */
	public static String optin(String state) {
		if (state == null) {
			return "unknown";
		}
		return switch (state) {
			case "OPTED_IN" -> "opted in";
			case "PENDING" -> "opt-in not confirmed yet";
			case "REJECTED" -> "opt-in refused";
			case "DISABLED" -> "opted out";
			default -> state.toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
		};
	}

	/** A failure class in words ("the compiler failed"). */
	public static String failure(String failureClass) {
		return FailureClass.fromCode(failureClass).map(StateWords::failure).orElse("a failure (" + failureClass + ")");
	}

	static String failure(FailureClass failure) {
		return switch (failure) {
			case COMPILE_ERROR -> "a compile error";
			case MISSING_SYSTEM_DEPENDENCY -> "a missing system library or tool";
			case MISSING_BUILD_DEPENDENCY -> "a missing build requirement";
			case UNSUPPORTED_BACKEND -> "a build backend the farm cannot run";
			case CONFIG_ERROR -> "an error in the project's farm configuration";
			case SDIST_MISMATCH -> "an sdist whose bytes differ from PyPI's";
			case TIMEOUT -> "a time-out";
			case NETWORK -> "a network failure";
			case UNKNOWN -> "an unclassified failure";
			case RUNNER_LOST -> "a lost build machine";
			case BUILDER_UNAVAILABLE -> "no builder being available";
			case ARTIFACT_DOWNLOAD_FAILED -> "a failed download of the built wheels";
			case INVALID_WHEEL -> "a wheel that failed verification";
			case SANDBOX_LIMIT -> "a limit of the build sandbox (memory, processes, disk)";
			case SANDBOX_DENIED -> "something the build sandbox does not allow";
			case ATTESTATION_MISSING -> "a wheel shipped without its signed attestation";
			case ATTESTATION_INVALID -> "a wheel whose attestation did not verify";
		};
	}

	private static String time(Instant at) {
		return (at != null) ? TIME.format(at) : "soon";
	}

}
