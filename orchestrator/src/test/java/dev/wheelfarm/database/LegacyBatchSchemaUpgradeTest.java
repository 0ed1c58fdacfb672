package dev.wheelfarm.database;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.wheelfarm.WheelfarmApplication;
import dev.wheelfarm.database.legacy.V2__spring_batch_schema;
import dev.wheelfarm.testsupport.TestDatabase;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A farm whose database was migrated while V2 was a Java migration (recorded as type JDBC
 * without a checksum) keeps starting now that V2 is a checked-in SQL file, and its Spring
 * Batch tables keep working. A database in any other state is not quietly "repaired".
 */
class LegacyBatchSchemaUpgradeTest {

	private static final String OLD_V2_SCRIPT = "db.migration.V2__spring_batch_schema";

	@Test
	void aFarmMigratedWithTheJavaV2StartsAndRunsBatchJobs(@TempDir Path migrations, @TempDir Path dataDir)
			throws Exception {
		TestDatabase.Coordinates database = migratedAsBefore(migrations);
		assertThat(flyway(database).skipDefaultCallbacks(true).load().validateWithResult().validationSuccessful)
			.as("without the callback, Flyway refuses the old V2 row")
			.isFalse();

		try (ConfigurableApplicationContext farm = start(database, dataDir)) {
			Flyway flyway = farm.getBean(Flyway.class);
			assertThat(flyway.info().pending()).as("nothing left to migrate").isEmpty();
			assertThat(flyway.validateWithResult().validationSuccessful).isTrue();
			MigrationInfo v2 = version2(flyway);
			JdbcTemplate jdbc = farm.getBean(JdbcTemplate.class);
			assertThat(jdbc.queryForMap("SELECT type, script, checksum FROM flyway_schema_history WHERE version = '2'"))
				.containsEntry("type", "SQL")
				.containsEntry("script", "V2__spring_batch_schema.sql")
				.containsEntry("checksum", v2.getChecksum());

			JobRepository jobs = farm.getBean(JobRepository.class);
			Job job = new JobBuilder("legacy-schema-check", jobs)
				.start(new StepBuilder("only-step", jobs).tasklet((contribution, chunk) -> {
					contribution.incrementWriteCount(3);
					return RepeatStatus.FINISHED;
				}, farm.getBean(PlatformTransactionManager.class)).build())
				.build();
			JobExecution execution = farm.getBean(JobOperator.class)
				.start(job, new JobParametersBuilder().addString("farm", "legacy").toJobParameters());
			assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
			assertThat(jdbc.queryForObject("""
					SELECT s.write_count FROM batch_step_execution s
					JOIN batch_job_execution e USING (job_execution_id)
					JOIN batch_job_instance i USING (job_instance_id)
					JOIN batch_job_execution_params p USING (job_execution_id)
					WHERE i.job_name = 'legacy-schema-check' AND p.parameter_value = 'legacy'
					""", Long.class)).isEqualTo(3L);
		}
	}

	@Test
	void anOldRowWithoutTheBatchTablesStillFailsValidation(@TempDir Path migrations) throws Exception {
		TestDatabase.Coordinates database = migratedAsBefore(migrations);
		JdbcTemplate jdbc = jdbc(database);
		jdbc.execute("DROP TABLE batch_step_execution_context, batch_job_execution_context");

		assertThat(flyway(database).load().validateWithResult().validationSuccessful).isFalse();
		assertThat(jdbc.queryForMap("SELECT type, checksum FROM flyway_schema_history WHERE version = '2'"))
			.containsEntry("type", "JDBC")
			.containsEntry("checksum", null);
	}

	@Test
	void aFreshFarmRecordsTheSqlMigration() throws SQLException {
		TestDatabase.Coordinates database = TestDatabase.freshDatabase();
		Flyway flyway = flyway(database).load();
		flyway.migrate();
		assertThat(jdbc(database)
			.queryForMap("SELECT type, script, checksum FROM flyway_schema_history WHERE version = '2'"))
			.containsEntry("type", "SQL")
			.containsEntry("checksum", version2(flyway).getChecksum());
	}

	/**
	 * A database as the farm left it before V2 became SQL: every other migration from the
	 * classpath, V2 run by the old Java migration, and its history row naming the class
	 * it had then (the only difference the test copy's package makes).
	 */
	private static TestDatabase.Coordinates migratedAsBefore(Path migrations) throws IOException, SQLException {
		for (Resource resource : new PathMatchingResourcePatternResolver()
			.getResources("classpath*:db/migration/V*.sql")) {
			String name = resource.getFilename();
			if (!name.startsWith("V2__")) {
				try (InputStream in = resource.getInputStream()) {
					Files.copy(in, migrations.resolve(name));
				}
			}
		}
		TestDatabase.Coordinates database = TestDatabase.freshDatabase();
		Flyway.configure()
			.dataSource(database.jdbcUrl(), database.username(), database.password())
			.locations("filesystem:" + migrations)
			.javaMigrations(new V2__spring_batch_schema())
			.load()
			.migrate();
		JdbcTemplate jdbc = jdbc(database);
		jdbc.update("UPDATE flyway_schema_history SET script = ? WHERE version = '2'", OLD_V2_SCRIPT);
		assertThat(jdbc.queryForMap("SELECT type, checksum FROM flyway_schema_history WHERE version = '2'"))
			.as("the row an existing farm has")
			.containsEntry("type", "JDBC")
			.containsEntry("checksum", null);
		return database;
	}

	private static org.flywaydb.core.api.configuration.FluentConfiguration flyway(TestDatabase.Coordinates database) {
		return Flyway.configure()
			.dataSource(database.jdbcUrl(), database.username(), database.password())
			.locations("classpath:db/migration");
	}

	private static MigrationInfo version2(Flyway flyway) {
		for (MigrationInfo info : flyway.info().all()) {
			if (MigrationVersion.fromVersion("2").equals(info.getVersion())) {
				return info;
			}
		}
		throw new AssertionError("no V2 migration on the classpath");
	}

	private static JdbcTemplate jdbc(TestDatabase.Coordinates database) throws SQLException {
		return new JdbcTemplate(new SingleConnectionDataSource(database.connect(), true));
	}

	private static ConfigurableApplicationContext start(TestDatabase.Coordinates database, Path dataDir) {
		Map<String, Object> properties = new LinkedHashMap<>(database.springProperties());
		properties.put("wheelfarm.data-dir", dataDir.toString());
		properties.put("server.port", "0");
		properties.put("wheelfarm.pypi.watch-enabled", "false");
		properties.put("wheelfarm.optin.resync-enabled", "false");
		properties.put("wheelfarm.retention.enabled", "false");
		return new SpringApplicationBuilder(WheelfarmApplication.class).properties(properties).run();
	}

}
