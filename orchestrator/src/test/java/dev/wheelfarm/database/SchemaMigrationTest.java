package dev.wheelfarm.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import dev.wheelfarm.testsupport.TestDatabase;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Runs every migration on a real PostgreSQL and checks that the schema keeps the data
 * honest: each invariant below is one the rest of the farm relies on.
 */
class SchemaMigrationTest {

	private static final String SHA_A = "a".repeat(64);

	private static final String SHA_B = "b".repeat(64);

	private static TestDatabase.Coordinates database;

	private static MigrateResult firstMigration;

	private static JdbcTemplate jdbc;

	@BeforeAll
	static void migrate() throws SQLException {
		database = TestDatabase.freshDatabase();
		firstMigration = flyway().migrate();
		Connection connection = database.connect();
		jdbc = new JdbcTemplate(new SingleConnectionDataSource(connection, true));
	}

	private static Flyway flyway() {
		return Flyway.configure()
			.dataSource(database.jdbcUrl(), database.username(), database.password())
			.locations("classpath:db/migration")
			.load();
	}

	@Test
	void everyMigrationAppliesOnceAndValidates() {
		assertThat(firstMigration.success).isTrue();
		assertThat(firstMigration.migrationsExecuted).as("every migration on the classpath")
			.isEqualTo(flyway().info().all().length)
			.isGreaterThanOrEqualTo(2);
		assertThat(flyway().migrate().migrationsExecuted).isZero();
		flyway().validate();
	}

	@Test
	void everyFarmTableExplainsItsPurpose() {
		List<String> uncommented = jdbc.queryForList("""
				SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = 'public' AND c.relkind = 'r'
				  AND c.relname NOT LIKE 'batch\\_%' AND c.relname <> 'flyway_schema_history'
				  AND obj_description(c.oid, 'pg_class') IS NULL
				""", String.class);
		assertThat(uncommented).isEmpty();
		List<String> tables = jdbc.queryForList(
				"SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", String.class);
		assertThat(tables).contains("repository", "project", "pypi_cursor", "pypi_global_cursor", "release",
				"pypi_file", "build", "build_event", "build_transition_rule", "wheel", "batch_job_instance",
				"batch_job_execution", "batch_step_execution");
	}

	@Test
	void projectNamesMustBeNormalized() {
		assertThat(insertProject("good-name-2")).isPositive();
		for (String bad : List.of("Not_Normalized", "double--dash", "-leading", "trailing-", "dots.are.not.ok")) {
			assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class).as(bad)
				.isThrownBy(() -> insertProject(bad));
		}
	}

	@Test
	void anOptedInProjectNeedsItsRepository() {
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class).isThrownBy(() -> jdbc
			.update("INSERT INTO project (name, display_name, optin_state) VALUES ('orphan', 'orphan', 'OPTED_IN')"));
	}

	@Test
	void pypiSerialsNeverGoBackwards() {
		long project = insertProject("serial-check");
		jdbc.update("INSERT INTO pypi_cursor (project_id, last_serial) VALUES (?, 100)", project);
		jdbc.update("UPDATE pypi_cursor SET last_serial = 120 WHERE project_id = ?", project);
		jdbc.update("UPDATE pypi_cursor SET last_serial = 120, etag = 'W/\"x\"' WHERE project_id = ?", project);
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> jdbc.update("UPDATE pypi_cursor SET last_serial = 119 WHERE project_id = ?", project))
			.withMessageContaining("cannot go backwards");
		assertThat(jdbc.queryForObject("SELECT last_serial FROM pypi_cursor WHERE project_id = ?", Long.class, project))
			.isEqualTo(120L);

		jdbc.update("INSERT INTO pypi_global_cursor (last_serial) VALUES (5000) ON CONFLICT (id) DO NOTHING");
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> jdbc.update("UPDATE pypi_global_cursor SET last_serial = 4999"));
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.as("there is one global cursor")
			.isThrownBy(() -> jdbc.update("INSERT INTO pypi_global_cursor (id, last_serial) VALUES (false, 1)"));
	}

	@Test
	void theLedgerKeyStopsRebuildingTheSameThing() {
		long project = insertProject("ledger-key");
		insertBuild(project, "1.0", SHA_A, SHA_A);
		insertBuild(project, "1.0", SHA_A, SHA_B); // a new recipe is a new build
		assertThatExceptionOfType(org.springframework.dao.DuplicateKeyException.class)
			.isThrownBy(() -> insertBuild(project, "1.0", SHA_A, SHA_A));
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.as("hashes are lowercase hex")
			.isThrownBy(() -> insertBuild(project, "1.1", SHA_A.toUpperCase(), SHA_A));
	}

	@Test
	void buildsMoveOnlyAlongLegalTransitionsAndEveryMoveIsRecorded() {
		long project = insertProject("transitions");
		long build = insertBuild(project, "2.0", SHA_A, SHA_A);
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.as("a dispatched build names its builder and run")
			.isThrownBy(() -> setState(build, "DISPATCHED", "no run"));
		jdbc.update("UPDATE build SET builder = 'local', external_run_id = 'run-1' WHERE id = ?", build);
		setState(build, "DISPATCHED", "dispatched to local");
		setState(build, "RUNNING", null);
		setState(build, "SUCCEEDED", null);
		setState(build, "PUBLISHED", null);
		assertThat(jdbc.queryForList("SELECT coalesce(from_state, '-') || '>' || to_state FROM build_event"
				+ " WHERE build_id = ? ORDER BY id", String.class, build))
			.containsExactly("->PENDING", "PENDING>DISPATCHED", "DISPATCHED>RUNNING", "RUNNING>SUCCEEDED",
					"SUCCEEDED>PUBLISHED");
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> setState(build, "PENDING", "published builds are final"))
			.withMessageContaining("illegal build transition PUBLISHED -> PENDING");

		long skipper = insertBuild(project, "2.1", SHA_A, SHA_A);
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> setState(skipper, "SUCCEEDED", "never ran"));
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.as("a failure says whether it is permanent or transient")
			.isThrownBy(() -> jdbc.update("UPDATE build SET state = 'FAILED' WHERE id = ?", skipper));
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.as("a build is born PENDING")
			.isThrownBy(() -> jdbc.update("""
					INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256,
					                   recipe_fingerprint, origin, state)
					VALUES (?, '9.9', 'x-9.9.tar.gz', 'https://files.example/x-9.9.tar.gz', ?, ?, 'watcher', 'RUNNING')
					""", project, SHA_B, SHA_B));
	}

	@Test
	void aWheelFilenameNamesTheSameBytesForever() {
		long project = insertProject("immutable");
		long build = insertBuild(project, "3.0", SHA_A, SHA_A);
		long wheel = insertWheel(build, project, "3.0", "immutable-3.0-py3-none-any.whl", SHA_A, 1234);
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> jdbc.update("UPDATE wheel SET sha256 = ? WHERE id = ?", SHA_B, wheel))
			.withMessageContaining("immutable");
		assertThatExceptionOfType(org.springframework.dao.DuplicateKeyException.class)
			.isThrownBy(() -> insertWheel(build, project, "3.0", "immutable-3.0-py3-none-any.whl", SHA_B, 99));
		// Withdrawing from the listing is allowed, and must say why.
		assertThat(jdbc
			.update("UPDATE wheel SET withdrawn_at = now(), withdrawn_reason = 'upstream wheel' WHERE id = ?", wheel))
			.isEqualTo(1);
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> jdbc.update("UPDATE wheel SET withdrawn_reason = NULL WHERE id = ?", wheel));
	}

	@Test
	void aRemovedWheelStaysATombstoneThatReservesItsFilename() {
		long project = insertProject("tombstone");
		long build = insertBuild(project, "1.0.dev1", SHA_A, SHA_A);
		long wheel = insertWheel(build, project, "1.0.dev1", "tombstone-1.0.dev1-py3-none-any.whl", SHA_A, 10);
		long run = jdbc.queryForObject("INSERT INTO retention_run DEFAULT VALUES RETURNING id", Long.class);
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.as("a removal says why")
			.isThrownBy(() -> jdbc.update("UPDATE wheel SET removed_at = now() WHERE id = ?", wheel));
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.as("a run only names what it removed")
			.isThrownBy(() -> jdbc.update("UPDATE wheel SET retention_run_id = ? WHERE id = ?", run, wheel));
		assertThat(jdbc.update(
				"UPDATE wheel SET removed_at = now(), removed_reason = 'retention', retention_run_id = ? WHERE id = ?",
				run, wheel))
			.isEqualTo(1);
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.as("a tombstone cannot be lifted")
			.isThrownBy(() -> jdbc.update(
					"UPDATE wheel SET removed_at = NULL, removed_reason = NULL, retention_run_id = NULL WHERE id = ?",
					wheel))
			.withMessageContaining("stays removed");
		assertThatExceptionOfType(org.springframework.dao.DuplicateKeyException.class)
			.as("the filename stays taken, whatever the bytes")
			.isThrownBy(
					() -> insertWheel(build, project, "1.0.dev1", "tombstone-1.0.dev1-py3-none-any.whl", SHA_B, 10));
	}

	@Test
	void uploadedFilesSayWhoUploadedThemAndLeaveAStageOnlyByBeingPublished() {
		long project = insertProject("uploaded");
		long stage = jdbc.queryForObject("""
				INSERT INTO stage (project_id, token, expires_at) VALUES (?, ?, now() + interval '7 days') RETURNING id
				""", Long.class, project, "A".repeat(43));
		assertThatExceptionOfType(org.springframework.dao.DuplicateKeyException.class).as("one open stage per project")
			.isThrownBy(() -> jdbc.update(
					"INSERT INTO stage (project_id, token, expires_at) VALUES (?, ?, now() + interval '1 day')",
					project, "B".repeat(43)));
		long sdist = jdbc.queryForObject("""
				INSERT INTO wheel (project_id, version, filename, sha256, size, origin, kind, stage_id, uploaded_by)
				VALUES (?, '1.0', 'uploaded-1.0.tar.gz', ?, 10, 'upload', 'sdist', ?, 'token') RETURNING id
				""", Long.class, project, SHA_A, stage);
		// An upload without its uploader, a wheel without metadata, an sdist named .whl.
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> jdbc.update("""
					INSERT INTO wheel (project_id, version, filename, sha256, size, metadata_sha256, origin)
					VALUES (?, '1.0', 'uploaded-1.0-py3-none-any.whl', ?, 10, ?, 'upload')
					""", project, SHA_A, SHA_B));
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> jdbc.update("""
					INSERT INTO wheel (project_id, version, filename, sha256, size, origin, uploaded_by)
					VALUES (?, '1.0', 'uploaded-1.0-py3-none-any.whl', ?, 10, 'upload', 'token')
					""", project, SHA_A));
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> jdbc.update("""
					INSERT INTO wheel (project_id, version, filename, sha256, size, origin, kind, uploaded_by)
					VALUES (?, '1.0', 'uploaded-1.0-py3-none-any.whl', ?, 10, 'upload', 'sdist', 'token')
					""", project, SHA_A));
		assertThat(jdbc.update("UPDATE wheel SET stage_id = NULL WHERE id = ?", sdist)).isOne();
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> jdbc.update("UPDATE wheel SET stage_id = ? WHERE id = ?", stage, sdist))
			.withMessageContaining("cannot move into a stage");
		assertThatExceptionOfType(org.springframework.dao.DataIntegrityViolationException.class)
			.isThrownBy(() -> jdbc.update("UPDATE wheel SET kind = 'wheel' WHERE id = ?", sdist));
	}

	private long insertProject(String name) {
		return jdbc.queryForObject("INSERT INTO project (name, display_name) VALUES (?, ?) RETURNING id", Long.class,
				name, name);
	}

	private long insertBuild(long project, String version, String sdistSha, String recipe) {
		return jdbc.queryForObject(
				"""
						INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint, origin)
						VALUES (?, ?, 'pkg.tar.gz', 'https://files.example/pkg.tar.gz', ?, ?, 'watcher') RETURNING id
						""",
				Long.class, project, version, sdistSha, recipe);
	}

	/** A wheel of {@code sha256}; its metadata file's hash is {@code SHA_B}. */
	private long insertWheel(long build, long project, String version, String filename, String sha256, int size) {
		return jdbc.queryForObject("""
				INSERT INTO wheel (build_id, project_id, version, filename, sha256, size, metadata_sha256)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
				""", Long.class, build, project, version, filename, sha256, size, SHA_B);
	}

	private void setState(long build, String state, String reason) {
		jdbc.update("UPDATE build SET state = ?, reason = ? WHERE id = ?", state, reason, build);
	}

}
