package dev.wheelfarm.uploads;

import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The rows an upload reads and writes: uploaded files are rows of {@code wheel}. */
@Repository
class UploadRepository {

	private static final String EXISTING = """
			SELECT w.sha256, w.stage_id, s.state AS stage_state, (w.removed_at IS NOT NULL) AS removed
			FROM wheel w LEFT JOIN stage s ON s.id = w.stage_id
			WHERE w.filename = :filename
			""";

	// Into a stage only while it is open: the share lock makes a concurrent publish
	// (which
	// locks the stage for update) wait for this row, or this insert wait for the publish
	// and then find the stage closed. Either way no file is left in a closed stage.
	private static final String INSERT = """
			INSERT INTO wheel (project_id, version, filename, sha256, size, metadata_sha256, requires_python, origin,
			                   kind, stage_id, staged_in, uploaded_by, upload_token_fingerprint, oidc_repository,
			                   oidc_workflow_ref, oidc_ref, oidc_run_id)
			SELECT :project, :version, :filename, :sha256, :size, :metadata, :requiresPython, 'upload', :kind, :stage,
			       :stage, :uploadedBy, :tokenFingerprint, :oidcRepository, :oidcWorkflowRef, :oidcRef, :oidcRunId
			WHERE CAST(:stage AS bigint) IS NULL
			   OR EXISTS (SELECT 1 FROM stage WHERE id = CAST(:stage AS bigint) AND state = 'OPEN' FOR SHARE)
			ON CONFLICT (filename) DO NOTHING
			RETURNING id
			""";

	// Every spelling of a version the project has: PyPI's releases and the farm's files
	// (public, staged or removed alike), for the rule that one release has one spelling.
	private static final String VERSIONS = """
			SELECT version FROM release WHERE project_id = :project
			UNION
			SELECT version FROM wheel WHERE project_id = :project
			""";

	private final JdbcClient jdbc;

	UploadRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	Optional<Existing> existing(String filename) {
		return this.jdbc.sql(EXISTING).param("filename", filename).query(Existing.class).optional();
	}

	List<String> versions(long projectId) {
		return this.jdbc.sql(VERSIONS).param("project", projectId).query(String.class).list();
	}

	/**
	 * Inserts the file's row.
	 * @return its id; empty if the filename was taken meanwhile or its stage closed
	 */
	Optional<Long> insert(StoredUpload upload) {
		Uploader.Workflow workflow = upload.uploader().workflow();
		return this.jdbc.sql(INSERT)
			.param("project", upload.projectId())
			.param("version", upload.version())
			.param("filename", upload.filename())
			.param("sha256", upload.sha256())
			.param("size", upload.size())
			.param("metadata", upload.metadataSha256())
			.param("requiresPython", upload.requiresPython())
			.param("kind", upload.kind())
			.param("stage", upload.stageId())
			.param("uploadedBy", upload.uploader().label())
			.param("tokenFingerprint", tokenFingerprint(upload.uploader()))
			.param("oidcRepository", (workflow != null) ? workflow.repository() : null)
			.param("oidcWorkflowRef", (workflow != null) ? workflow.workflowRef() : null)
			.param("oidcRef", (workflow != null) ? workflow.ref() : null)
			.param("oidcRunId", (workflow != null) ? workflow.runId() : null)
			.query(Long.class)
			.optional();
	}

	/**
	 * What the public record shows of a project token: enough to tell two tokens apart,
	 * never enough to find one (as a rebuild request records it).
	 */
	private static String tokenFingerprint(Uploader uploader) {
		return (uploader.tokenSha256() != null) ? "sha256:" + uploader.tokenSha256().substring(0, 16) : null;
	}

	/**
	 * A file already stored under the name.
	 *
	 * @param sha256 its bytes' hash
	 * @param stageId its stage, or null when public
	 * @param stageState the stage's state, or null
	 * @param removed whether retention removed it (its row stays as a tombstone)
	 */
	record Existing(String sha256, Long stageId, String stageState, boolean removed) {

	}

	/**
	 * One uploaded file's row; the uploader's credential is recorded for the file's
	 * public record.
	 */
	record StoredUpload(long projectId, String version, String filename, String sha256, long size,
			String metadataSha256, String requiresPython, String kind, Long stageId, Uploader uploader) {

	}

}
