package dev.wheelfarm;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application over an external PostgreSQL (the path an operator takes with
 * {@code spring.datasource.url}): migrated, healthy, and keeping Spring Batch's job
 * repository in that same database.
 */
@IntegrationTest
class ApplicationTest {

	@LocalServerPort
	int port;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	org.flywaydb.core.Flyway flyway;

	@Autowired
	JobRepository jobRepository;

	@Autowired
	JobOperator jobOperator;

	@Autowired
	PlatformTransactionManager transactionManager;

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void healthIsUpAndTheSchemaIsMigrated() throws Exception {
		HttpResponse<String> health = get("/actuator/health");
		assertThat(health.statusCode()).isEqualTo(200);
		assertThat(health.body()).contains("\"status\":\"UP\"");
		assertThat(this.flyway.info().pending()).as("nothing left to migrate").isEmpty();
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM flyway_schema_history WHERE success", Integer.class))
			.isEqualTo(this.flyway.info().all().length);
	}

	@Test
	void prometheusMetricsAreServed() throws Exception {
		HttpResponse<String> metrics = get("/actuator/prometheus");
		assertThat(metrics.statusCode()).isEqualTo(200);
		assertThat(metrics.body()).contains("jvm_memory_used_bytes");
	}

	@Test
	void theFarmsExecutorsAreSpringManagedAndMeasured() throws Exception {
		String metrics = get("/actuator/prometheus").body();
		// One local build thread per wheelfarm.builds.max-concurrent (4 by default).
		assertThat(metrics)
			.containsPattern("(?m)^executor_pool_max_threads\\{[^}]*name=\"localBuildExecutor\"[^}]*} 4\\.0$");
		assertThat(metrics)
			.containsPattern("(?m)^executor_pool_max_threads\\{[^}]*name=\"optInRegistrationExecutor\"[^}]*} 1\\.0$");
		assertThat(metrics).containsPattern("(?m)^executor_completed_tasks_total\\{[^}]*name=\"taskScheduler\"");
	}

	@Test
	void batchJobsAreRecordedInTheFarmDatabase() throws Exception {
		Job job = new JobBuilder("foundation-smoke", this.jobRepository)
			.start(new StepBuilder("only-step", this.jobRepository)
				.tasklet((contribution, chunk) -> RepeatStatus.FINISHED, this.transactionManager)
				.build())
			.build();
		JobExecution execution = this.jobOperator.start(job,
				new JobParametersBuilder().addLong("run", System.nanoTime()).toJobParameters());
		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(this.jdbc.queryForObject("""
				SELECT e.status FROM batch_job_execution e JOIN batch_job_instance i USING (job_instance_id)
				WHERE i.job_name = 'foundation-smoke'
				""", String.class)).isEqualTo("COMPLETED");
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
