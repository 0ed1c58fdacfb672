package dev.wheelfarm.builds;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.wheelfarm.web.ApiJson;

/**
 * Who asked for a rebuild, as the timeline shows it: never the credential itself. A
 * project token is named by the first 16 hex digits of its SHA-256 (a prefix of the hash
 * the repository config lists), a GitHub Actions OIDC token by the workflow run it was
 * issued to.
 *
 * @param credential {@code token} or {@code oidc}
 * @param tokenFingerprint {@code sha256:} and 16 hex digits, for a token
 * @param repository the OIDC token's {@code repository} claim ({@code owner/name})
 * @param workflowRef its {@code workflow_ref} claim (the workflow file and ref)
 * @param ref its {@code ref} claim
 * @param runId its {@code run_id} claim
 * @param note what the maintainer said the fix was, if anything
 * @param requestedAt when it was asked (set by the database; null before)
 */
@ApiJson
public record RebuildRequester(String credential, String tokenFingerprint, String repository, String workflowRef,
		String ref, String runId, String note, Instant requestedAt) {

	/** A request made with a project token whose SHA-256 is {@code sha256Hex}. */
	public static RebuildRequester token(String sha256Hex, String note) {
		if (sha256Hex == null || !sha256Hex.matches("[0-9a-f]{64}")) {
			throw new IllegalArgumentException("a token is named by its SHA-256 in lowercase hex");
		}
		return new RebuildRequester("token", "sha256:" + sha256Hex.substring(0, 16), null, null, null, null, note,
				null);
	}

	/** A request made from a GitHub Actions workflow run with its OIDC token. */
	public static RebuildRequester oidc(String repository, String workflowRef, String ref, String runId, String note) {
		if (repository == null || repository.isBlank()) {
			throw new IllegalArgumentException("an OIDC request names its repository");
		}
		return new RebuildRequester("oidc", null, repository, workflowRef, ref, runId, note, null);
	}

	/** The words the timeline's reason uses for this requester. */
	@JsonIgnore
	public String describe() {
		StringBuilder text = new StringBuilder("rebuild asked by a maintainer ");
		if ("token".equals(this.credential)) {
			text.append("with the project token ").append(this.tokenFingerprint);
		}
		else {
			text.append("from GitHub Actions: repository ").append(this.repository);
			if (this.workflowRef != null) {
				text.append(", workflow ").append(this.workflowRef);
			}
			if (this.ref != null) {
				text.append(", ref ").append(this.ref);
			}
			if (this.runId != null) {
				text.append(", run ").append(this.runId);
			}
		}
		if (this.note != null && !this.note.isBlank()) {
			text.append(" (\"").append(this.note).append("\")");
		}
		return text.toString();
	}

}
