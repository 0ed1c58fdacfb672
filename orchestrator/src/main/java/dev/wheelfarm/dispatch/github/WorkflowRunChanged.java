package dev.wheelfarm.dispatch.github;

/**
 * GitHub said (by a signed {@code workflow_run} delivery) that a run of the build
 * workflow changed. Only a hint: the payload is not re-verified against the API here, so
 * listeners re-read the run ({@code BuildEngine#status}) before the ledger records
 * anything.
 *
 * @param runId the workflow run's id
 * @param requestId the build request id found in the run's name, or {@code null}
 * @param status GitHub's status word ({@code queued}, {@code in_progress},
 * {@code completed}, …)
 * @param conclusion GitHub's conclusion word, {@code null} until completed
 */
public record WorkflowRunChanged(long runId, String requestId, String status, String conclusion) {

}
