package dev.wheelfarm.builds;

import java.time.Instant;

/**
 * One row of the build ledger.
 *
 * @param id the build's id, shown on its status page
 * @param project the normalized project name
 * @param version the release's version
 * @param sdistFilename the sdist's filename
 * @param sdistUrl where the sdist is downloaded from
 * @param sdistSha256 the sdist's expected sha256
 * @param recipeFingerprint what else the outcome depends on
 * @param state where the build stands
 * @param origin who asked for it
 * @param attempts how many times it was claimed
 * @param nextAttemptAt the earliest time it may be claimed
 * @param claimedBy the instance holding it, if any
 * @param leaseExpiresAt when that instance's hold ends
 * @param requestId the id of the attempt being dispatched ({@code wf-<id>-<attempt>})
 * @param builder the engine it was dispatched to ({@code local} or {@code github})
 * @param externalRunId the engine's id for the run
 * @param externalRunUrl a link to the run
 * @param strategy how the wheels were made ({@code build}, {@code cibuildwheel}, ...)
 * @param failureKind whether the last failure is permanent or transient
 * @param failureClass the last failure's class code
 * @param reason the last state change's reason
 * @param logExcerpt the log around the last failure
 * @param createdAt when it entered the ledger
 * @param updatedAt when its state last changed
 * @param options the build options sent to the worker (JSON object,
 * worker-templates/options.schema.json)
 */
public record Build(long id, String project, String version, String sdistFilename, String sdistUrl, String sdistSha256,
		String recipeFingerprint, BuildState state, String origin, int attempts, Instant nextAttemptAt,
		String claimedBy, Instant leaseExpiresAt, String requestId, String builder, String externalRunId,
		String externalRunUrl, String strategy, FailureKind failureKind, String failureClass, String reason,
		String logExcerpt, Instant createdAt, Instant updatedAt, String options) {

}
