package dev.wheelfarm.uploads;

import dev.wheelfarm.shared.ProjectName;

/**
 * Who may write one project's files, as proven by a credential.
 *
 * @param projectId the project's row
 * @param project the project: the only one this credential may write
 * @param label how the upload is recorded: {@code token}, or
 * {@code oidc:<owner/name>@<ref>} for trusted publishing
 */
record Uploader(long projectId, ProjectName project, String label) {

}
