package dev.wheelfarm.records;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.web.util.UriUtils;

/**
 * Reads the public record of a file from the rows the farm kept when it stored it: the
 * file's own row, its build (sdist, recipe, run) and the build's timeline, or the
 * uploader's credential. A file waiting in a stage that is not published has no public
 * record: the stage is not public either.
 */
@Repository
class FileRecords {

	static final String LOCAL_BUILDER = "built by this farm's local builder";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	// The run's start is the dispatch of the attempt that succeeded: after SUCCEEDED only
	// PUBLISHED follows, so the latest DISPATCHED event is that attempt's.
	private static final String FILE = """
			SELECT w.filename, p.name AS project, w.version, w.kind, w.origin, w.sha256, w.size, w.stored_at,
			       w.withdrawn_at, w.withdrawn_reason, w.removed_at, w.removed_reason,
			       w.uploaded_by, w.upload_token_fingerprint, w.oidc_repository, w.oidc_workflow_ref, w.oidc_ref,
			       w.oidc_run_id, s.closed_at AS stage_published_at,
			       b.id AS build_id, b.sdist_filename, b.sdist_sha256, b.sdist_url, b.recipe_fingerprint,
			       b.recipe_parts::text AS recipe_parts, b.builder, b.external_run_id, b.external_run_url,
			       EXISTS (SELECT 1 FROM file_attestation a WHERE a.wheel_id = w.id) AS attested,
			       (SELECT max(e.at) FROM build_event e WHERE e.build_id = b.id AND e.to_state = 'DISPATCHED')
			           AS started_at,
			       (SELECT max(e.at) FROM build_event e WHERE e.build_id = b.id AND e.to_state = 'SUCCEEDED')
			           AS ended_at
			FROM wheel w
			JOIN project p ON p.id = w.project_id
			LEFT JOIN stage s ON s.id = w.staged_in
			LEFT JOIN build b ON b.id = w.build_id
			WHERE w.filename = :filename AND w.stage_id IS NULL
			""";

	private final JdbcClient jdbc;

	FileRecords(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** The record of a file the farm serves or served, if it has one. */
	Optional<FileRecord> find(String filename) {
		return this.jdbc.sql(FILE).param("filename", filename).query(Row.class).optional().map(this::record);
	}

	private FileRecord record(Row row) {
		boolean attested = row.attested();
		String provenance = attested ? provenanceUrl(row) : null;
		return new FileRecord(row.filename(), row.project(), row.version(), row.kind(), row.origin(), row.sha256(),
				row.size(), instant(row.storedAt()), availability(row),
				(row.stagePublishedAt() != null) ? new FileRecord.Staging(instant(row.stagePublishedAt())) : null,
				new FileRecord.Attestation(attested, provenance), (row.buildId() != null) ? build(row) : null,
				(row.buildId() == null) ? upload(row) : null);
	}

	/** Where PEP 740's Integrity API serves the file's provenance object. */
	static String provenanceUrl(Row row) {
		return "/integrity/" + row.project() + "/" + UriUtils.encodePathSegment(row.version(), "UTF-8") + "/"
				+ UriUtils.encodePathSegment(row.filename(), "UTF-8") + "/provenance";
	}

	private static FileRecord.Availability availability(Row row) {
		if (row.removedAt() != null) {
			return new FileRecord.Availability("removed", instant(row.removedAt()), row.removedReason());
		}
		if (row.withdrawnAt() != null) {
			return new FileRecord.Availability("withdrawn", instant(row.withdrawnAt()), row.withdrawnReason());
		}
		return new FileRecord.Availability("listed", null, null);
	}

	private static FileRecord.BuildRecord build(Row row) {
		boolean github = "github".equals(row.builder());
		FileRecord.Run run = new FileRecord.Run(row.externalRunId(), github ? row.externalRunUrl() : null, github
				? "GitHub Actions run " + row.externalRunId() + " of the farm's build repository" : LOCAL_BUILDER);
		return new FileRecord.BuildRecord(row.buildId(), "/builds/" + row.buildId(),
				new FileRecord.Sdist(row.sdistFilename(), row.sdistSha256(), row.sdistUrl()),
				new FileRecord.Recipe(row.recipeFingerprint(), parts(row.recipeParts())), row.builder(), run,
				instant(row.startedAt()), instant(row.endedAt()));
	}

	private static FileRecord.RecipeParts parts(String json) {
		if (json == null) {
			return null;
		}
		JsonNode parts = JSON.readTree(json);
		return new FileRecord.RecipeParts(parts.path("bundle").asString(null), parts.path("engine").asString(null),
				parts.path("options").asString(null));
	}

	private static FileRecord.UploadRecord upload(Row row) {
		// Rows from before the claims were kept still say which kind of credential it
		// was.
		boolean oidc = row.oidcRepository() != null || row.uploadedBy().startsWith("oidc:");
		FileRecord.Oidc claims = (row.oidcRepository() != null)
				? new FileRecord.Oidc(row.oidcRepository(), row.oidcWorkflowRef(), row.oidcRef(), row.oidcRunId())
				: null;
		return new FileRecord.UploadRecord(oidc ? "oidc" : "token", row.uploadTokenFingerprint(), claims,
				instant(row.storedAt()));
	}

	private static Instant instant(OffsetDateTime time) {
		return (time != null) ? time.toInstant() : null;
	}

	record Row(String filename, String project, String version, String kind, String origin, String sha256, long size,
			OffsetDateTime storedAt, OffsetDateTime withdrawnAt, String withdrawnReason, OffsetDateTime removedAt,
			String removedReason, String uploadedBy, String uploadTokenFingerprint, String oidcRepository,
			String oidcWorkflowRef, String oidcRef, String oidcRunId, OffsetDateTime stagePublishedAt, Long buildId,
			String sdistFilename, String sdistSha256, String sdistUrl, String recipeFingerprint, String recipeParts,
			String builder, String externalRunId, String externalRunUrl, boolean attested, OffsetDateTime startedAt,
			OffsetDateTime endedAt) {

	}

}
