package dev.wheelfarm.index;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The rows behind the index pages, read in the open. */
@Repository
class IndexRepository {

	// A project is hosted when its maintainer opted in (the opt-in checked that the name
	// exists on PyPI and belongs to them) or when the farm already serves wheels of it: a
	// maintainer who stops the farm stops new builds, not the wheels users already
	// pinned.
	private static final String HOSTED = """
			SELECT p.id, p.name, p.display_name
			FROM project p
			WHERE (p.optin_state = 'OPTED_IN'
			       OR EXISTS (SELECT 1 FROM wheel w
			                  WHERE w.project_id = p.id AND w.removed_at IS NULL AND w.stage_id IS NULL))
			""";

	private static final String ALL_HOSTED = HOSTED + " ORDER BY p.name";

	private static final String ONE_HOSTED = HOSTED + " AND p.name = :name";

	// The farm's files (built wheels, uploaded wheels and sdists), with the yank and
	// deletion state of the PyPI release they belong to. A staged file is listed only in
	// its stage's view (:stage), which shows the index as it will be once published.
	// Oldest first: a version spelled two ways is listed as it was first stored.
	private static final String FARM_WHEELS = """
			SELECT w.filename, w.kind, w.version, w.sha256, w.size, w.metadata_sha256, w.requires_python,
			       w.stored_at AS upload_time,
			       coalesce(r.yanked, false) AS yanked, r.yanked_reason,
			       (r.deleted_at IS NOT NULL) AS release_deleted,
			       EXISTS (SELECT 1 FROM file_attestation a WHERE a.wheel_id = w.id) AS attested
			FROM wheel w
			LEFT JOIN release r ON r.project_id = w.project_id AND r.version = w.version
			WHERE w.project_id = :project AND w.withdrawn_at IS NULL AND w.removed_at IS NULL
			  AND (w.stage_id IS NULL OR w.stage_id = CAST(:stage AS bigint))
			ORDER BY w.stored_at, w.filename
			""";

	// PyPI's files as the watcher last saw them; deleted files and releases are gone from
	// PyPI,
	// so they are gone here. A yank applies per file or to the whole release.
	private static final String PYPI_FILES = """
			SELECT f.filename, f.kind, f.url, f.sha256, f.size, f.upload_time, f.requires_python,
			       (f.yanked OR r.yanked) AS yanked,
			       CASE WHEN f.yanked THEN f.yanked_reason ELSE r.yanked_reason END AS yanked_reason
			FROM pypi_file f
			JOIN release r ON r.id = f.release_id
			WHERE r.project_id = :project AND f.deleted_at IS NULL AND r.deleted_at IS NULL
			""";

	private static final String RELEASE_VERSIONS = """
			SELECT version FROM release WHERE project_id = :project AND deleted_at IS NULL
			""";

	// A removed file is gone from /files/ too: its row stays only to reserve the name.
	private static final String STORED_WHEEL = """
			SELECT filename, kind, version, sha256, metadata_sha256, size FROM wheel
			WHERE sha256 = :sha256 AND filename = :filename AND removed_at IS NULL
			  AND (stage_id IS NULL OR stage_id = CAST(:stage AS bigint))
			""";

	// Only an open stage has a view: a published one is the index, a discarded one is
	// gone.
	private static final String OPEN_STAGE = """
			SELECT s.id, p.name AS project FROM stage s JOIN project p ON p.id = s.project_id
			WHERE s.token = :token AND s.state = 'OPEN' AND s.expires_at > now()
			""";

	private static final String LIVE_FILES = "SELECT sha256, filename FROM wheel WHERE removed_at IS NULL";

	private final JdbcClient jdbc;

	IndexRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	List<HostedProject> hostedProjects() {
		return this.jdbc.sql(ALL_HOSTED).query(HostedProject.class).list();
	}

	Optional<HostedProject> hostedProject(String name) {
		return this.jdbc.sql(ONE_HOSTED).param("name", name).query(HostedProject.class).optional();
	}

	/** The public files, or those a stage's view shows ({@code stage} not null). */
	List<FarmWheel> farmWheels(long projectId, Long stage) {
		return this.jdbc.sql(FARM_WHEELS)
			.param("project", projectId)
			.param("stage", stage)
			.query(IndexRepository::farmWheel)
			.list();
	}

	List<PypiFile> pypiFiles(long projectId) {
		return this.jdbc.sql(PYPI_FILES).param("project", projectId).query(IndexRepository::pypiFile).list();
	}

	// The rows of a page are mapped by hand: mapping a record by its properties asks the
	// driver for each camel-case name first and for a timestamp as an Instant, both of
	// which the PostgreSQL driver refuses with an exception, several per row, every time
	// a page is rendered or exported.
	private static FarmWheel farmWheel(ResultSet row, int number) throws SQLException {
		return new FarmWheel(row.getString("filename"), row.getString("kind"), row.getString("version"),
				row.getString("sha256"), row.getLong("size"), row.getString("metadata_sha256"),
				row.getString("requires_python"), instant(row, "upload_time"), row.getBoolean("yanked"),
				row.getString("yanked_reason"), row.getBoolean("release_deleted"), row.getBoolean("attested"));
	}

	private static PypiFile pypiFile(ResultSet row, int number) throws SQLException {
		return new PypiFile(row.getString("filename"), row.getString("kind"), row.getString("url"),
				row.getString("sha256"), row.getLong("size"), instant(row, "upload_time"),
				row.getString("requires_python"), row.getBoolean("yanked"), row.getString("yanked_reason"));
	}

	private static Instant instant(ResultSet row, String column) throws SQLException {
		OffsetDateTime time = row.getObject(column, OffsetDateTime.class);
		return (time != null) ? time.toInstant() : null;
	}

	List<String> releaseVersions(long projectId) {
		return this.jdbc.sql(RELEASE_VERSIONS).param("project", projectId).query(String.class).list();
	}

	Optional<StoredWheel> storedWheel(String sha256, String filename) {
		return storedWheel(sha256, filename, null);
	}

	/** A public file, or one of the stage's when {@code stage} is not null. */
	Optional<StoredWheel> storedWheel(String sha256, String filename, Long stage) {
		return this.jdbc.sql(STORED_WHEEL)
			.param("sha256", sha256)
			.param("filename", filename)
			.param("stage", stage)
			.query(StoredWheel.class)
			.optional();
	}

	Optional<OpenStage> openStage(String token) {
		return this.jdbc.sql(OPEN_STAGE).param("token", token).query(OpenStage.class).optional();
	}

	/**
	 * Every file that is not removed, as {@code <sha256>/<filename>}: what an export may
	 * hold.
	 */
	Set<String> liveFiles() {
		return new HashSet<>(this.jdbc.sql(LIVE_FILES)
			.query((row, number) -> row.getString("sha256") + "/" + row.getString("filename"))
			.list());
	}

	record HostedProject(long id, String name, String displayName) {

	}

	record FarmWheel(String filename, String kind, String version, String sha256, long size, String metadataSha256,
			String requiresPython, Instant uploadTime, boolean yanked, String yankedReason, boolean releaseDeleted,
			boolean attested) {

	}

	record PypiFile(String filename, String kind, String url, String sha256, long size, Instant uploadTime,
			String requiresPython, boolean yanked, String yankedReason) {

	}

	record StoredWheel(String filename, String kind, String version, String sha256, String metadataSha256, long size) {

	}

	record OpenStage(long id, String project) {

	}

}
