package dev.wheelfarm.builds;

import java.time.Duration;

/** What became of a maintainer's request to rebuild a release. */
public sealed interface RebuildOutcome {

	/**
	 * The newest build of the release was FAILED and is PENDING again.
	 *
	 * @param buildId the build, under its old id
	 * @param left how many more rebuilds the project may ask for in the current 24 hours
	 */
	record Queued(long buildId, int left) implements RebuildOutcome {

	}

	/** The farm has no build of that release (never built, or not a release it knows). */
	record NoBuild() implements RebuildOutcome {

	}

	/**
	 * The newest build of the release has not failed: it is waiting, running, built or
	 * was skipped or cancelled.
	 *
	 * @param buildId the build
	 * @param state where it stands
	 */
	record NotFailed(long buildId, BuildState state) implements RebuildOutcome {

	}

	/**
	 * The project used up its rebuilds of the last 24 hours.
	 *
	 * @param buildId the build that would have been re-queued
	 * @param limit the configured limit
	 * @param retryAfter when the oldest counted request leaves the window
	 */
	record Limited(long buildId, int limit, Duration retryAfter) implements RebuildOutcome {

	}

}
