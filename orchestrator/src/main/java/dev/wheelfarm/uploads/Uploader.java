package dev.wheelfarm.uploads;

import dev.wheelfarm.shared.ProjectName;

/**
 * Who may write one project's files, as proven by a credential. Public for the other
 * features a project's maintainers act on with the same credentials (rebuilds).
 *
 * @param projectId the project's row
 * @param project the project: the only one this credential may write
 * @param label how the upload is recorded: {@code token}, or
 * {@code oidc:<owner/name>@<ref>} for trusted publishing
 * @param tokenSha256 the SHA-256 of the project token used (as the config lists it), or
 * null for an OIDC token
 * @param workflow the workflow run an OIDC token was issued to, or null for a project
 * token
 */
public record Uploader(long projectId, ProjectName project, String label, String tokenSha256, Workflow workflow) {

	/**
	 * A GitHub Actions workflow run, from its OIDC token's claims.
	 *
	 * @param repository {@code repository}: {@code owner/name}
	 * @param workflowRef {@code workflow_ref}: the workflow file and the ref it ran from
	 * @param ref {@code ref}: the branch or tag
	 * @param runId {@code run_id}
	 */
	public record Workflow(String repository, String workflowRef, String ref, String runId) {

	}

}
