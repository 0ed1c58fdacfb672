package dev.wheelfarm.retention;

import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The rows retention reads and writes: runs, hosted versions, tombstones. */
@Repository
class RetentionRepository {

	private static final String START_RUN = "INSERT INTO retention_run DEFAULT VALUES RETURNING id";

	private static final String FINISH_RUN = """
			UPDATE retention_run
			SET finished_at = now(), projects = :projects, files_removed = :files, blobs_deleted = :blobs,
			    failures = :failures
			WHERE id = :id
			""";

	private static final String LAST_RUN = """
			SELECT id, started_at, finished_at, projects, files_removed, blobs_deleted, failures
			FROM retention_run ORDER BY id DESC LIMIT 1
			""";

	private static final String PROJECTS_WITH_FILES = """
			SELECT DISTINCT project_id FROM wheel WHERE removed_at IS NULL AND stage_id IS NULL ORDER BY project_id
			""";

	// The policy comes from the config of the repository that holds the project: the last
	// valid config read (a broken one keeps the previous), or none (the farm's default).
	private static final String PROJECT = """
			SELECT p.id, p.name, CAST(r.config -> 'retention' AS text) AS policy
			FROM project p LEFT JOIN repository r ON r.id = p.repository_id
			""";

	// The lock makes two runs (two replicas, or a run that outlived its interval) take
	// turns per project: the second finds the first one's tombstones and removes nothing.
	private static final String LOCK_PROJECT = PROJECT + " WHERE p.id = :id FOR UPDATE OF p";

	private static final String PROJECT_BY_NAME = PROJECT + " WHERE p.name = :name";

	// Age counts from a version's newest file: a version that gains a wheel is young
	// again. Files waiting in a stage are not public yet: they neither count among the
	// newest nor are removed (their stage is published, discarded or expires).
	private static final String HOSTED_VERSIONS = """
			SELECT version, max(stored_at) AS stored_at FROM wheel
			WHERE project_id = :project AND removed_at IS NULL AND stage_id IS NULL
			GROUP BY version
			""";

	private static final String REMOVE_VERSION = """
			UPDATE wheel SET removed_at = now(), removed_reason = :reason, retention_run_id = :run
			WHERE project_id = :project AND version = :version AND removed_at IS NULL AND stage_id IS NULL
			RETURNING filename, sha256, metadata_sha256
			""";

	private static final String REMOVED_BY_RUN = """
			SELECT filename, version, removed_at, removed_reason FROM wheel
			WHERE retention_run_id = :run AND project_id = :project
			ORDER BY filename
			""";

	private static final String NEEDED = """
			SELECT EXISTS (SELECT 1 FROM wheel WHERE removed_at IS NULL AND (sha256 = :hash OR metadata_sha256 = :hash))
			    OR EXISTS (SELECT 1 FROM cache_file WHERE sha256 = :hash)
			""";

	// Every hash a file still in the farm (listed, staged or withdrawn; anything but a
	// tombstone) needs: its bytes and its PEP 658 metadata; and every file the PyPI
	// cache holds, which shares the blob store and is deleted by its own LRU sweep.
	private static final String NEEDED_HASHES = """
			SELECT sha256 FROM wheel WHERE removed_at IS NULL
			UNION SELECT metadata_sha256 FROM wheel WHERE removed_at IS NULL AND metadata_sha256 IS NOT NULL
			UNION SELECT sha256 FROM cache_file
			""";

	private final JdbcClient jdbc;

	RetentionRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	long startRun() {
		return this.jdbc.sql(START_RUN).query(Long.class).single();
	}

	void finishRun(long id, int projects, int files, long blobs, int failures) {
		this.jdbc.sql(FINISH_RUN)
			.param("id", id)
			.param("projects", projects)
			.param("files", files)
			.param("blobs", blobs)
			.param("failures", failures)
			.update();
	}

	Optional<ProjectRetention.Run> lastRun() {
		return this.jdbc.sql(LAST_RUN).query(ProjectRetention.Run.class).optional();
	}

	List<Long> projectsWithFiles() {
		return this.jdbc.sql(PROJECTS_WITH_FILES).query(Long.class).list();
	}

	/** The project, locked until the end of the transaction. */
	Optional<ProjectRow> lockProject(long id) {
		return this.jdbc.sql(LOCK_PROJECT).param("id", id).query(ProjectRow.class).optional();
	}

	Optional<ProjectRow> project(String name) {
		return this.jdbc.sql(PROJECT_BY_NAME).param("name", name).query(ProjectRow.class).optional();
	}

	List<HostedVersion> hostedVersions(long project) {
		return this.jdbc.sql(HOSTED_VERSIONS)
			.param("project", project)
			.query((row, number) -> new HostedVersion(row.getString("version"),
					row.getObject("stored_at", OffsetDateTime.class).toInstant()))
			.list();
	}

	List<RemovedRow> remove(long project, String version, String reason, long run) {
		return this.jdbc.sql(REMOVE_VERSION)
			.param("project", project)
			.param("version", version)
			.param("reason", reason)
			.param("run", run)
			.query(RemovedRow.class)
			.list();
	}

	List<ProjectRetention.RemovedFile> removedBy(long run, long project) {
		return this.jdbc.sql(REMOVED_BY_RUN)
			.param("run", run)
			.param("project", project)
			.query(ProjectRetention.RemovedFile.class)
			.list();
	}

	boolean needed(String hash) {
		return this.jdbc.sql(NEEDED).param("hash", hash).query(Boolean.class).single();
	}

	Set<String> neededHashes() {
		return new HashSet<>(this.jdbc.sql(NEEDED_HASHES).query(String.class).list());
	}

	/**
	 * A project and its repository's retention table.
	 *
	 * @param policy the {@code retention} table of the stored config as JSON, or null
	 */
	record ProjectRow(long id, String name, String policy) {

	}

	record RemovedRow(String filename, String sha256, String metadataSha256) {

	}

}
