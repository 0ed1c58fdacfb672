package dev.wheelfarm.pypi;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.wheelfarm.pypi.standin.PypiStandIn;
import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code pypi-watch} Spring Batch job in the whole application: launched through the
 * JobOperator, recorded in the job repository, its events delivered to listeners of other
 * features, and no schedule running while tests drive it.
 */
@IntegrationTest
class PypiWatchJobTest {

	static final PypiStandIn pypi = PypiStandIn.start();

	@DynamicPropertySource
	static void pypiStandIn(DynamicPropertyRegistry registry) {
		registry.add("wheelfarm.pypi.base-url", () -> pypi.baseUrl().toString());
	}

	@AfterAll
	static void stop() {
		pypi.close();
	}

	@Autowired
	JobOperator jobOperator;

	@Autowired
	Job pypiWatchJob;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Listener listener;

	@Autowired
	ApplicationContext context;

	@Test
	void aJobRunIsOneCycleAndOtherFeaturesHearOfItsChanges() throws Exception {
		assertThat(this.context.getBeanNamesForType(PypiWatchScheduler.class))
			.as("wheelfarm.pypi.watch-enabled=false in tests")
			.isEmpty();
		pypi.project("job-pkg").sdistOnly("1.0").withWheel("1.1");
		long repo = this.jdbc.sql("INSERT INTO repository (url) VALUES ('file:///tmp/job.git') RETURNING id")
			.query(Long.class)
			.single();
		this.jdbc
			.sql("""
					INSERT INTO project (name, display_name, repository_id, optin_state) VALUES ('job-pkg', 'job-pkg', ?, 'OPTED_IN')
					""")
			.param(repo)
			.update();

		JobExecution execution = this.jobOperator.start(this.pypiWatchJob,
				new JobParametersBuilder().addString(PypiWatchJobConfiguration.MODE_PARAMETER, "INCREMENTAL")
					.addLong("run", System.nanoTime())
					.toJobParameters());

		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		assertThat(this.listener.heard).filteredOn((change) -> change.project().equals("job-pkg"))
			.containsExactly(new ReleaseDiscovered(
					"job-pkg", "1.0", "job_pkg-1.0.tar.gz", PypiStandIn.FILES_HOST + "/packages/"
							+ PypiStandIn.sha256Of("job_pkg-1.0.tar.gz").substring(0, 2) + "/job_pkg-1.0.tar.gz",
					PypiStandIn.sha256Of("job_pkg-1.0.tar.gz"), ">=3.9"));
		assertThat(this.jdbc
			.sql("SELECT count(*) FROM release r JOIN project p ON p.id = r.project_id WHERE p.name = 'job-pkg'")
			.query(Long.class)
			.single()).isEqualTo(2);
		assertThat(this.jdbc.sql("""
				SELECT e.status FROM batch_job_execution e JOIN batch_job_instance i USING (job_instance_id)
				WHERE i.job_name = 'pypi-watch' AND e.job_execution_id = ?
				""").param(execution.getId()).query(String.class).list()).containsExactly("COMPLETED");

		// PyPI unreachable: the job fails (and says why) instead of pretending a cycle
		// ran.
		pypi.project("job-pkg").sdistOnly("2.0");
		pypi.failNext("/simple/", dev.wheelfarm.pypi.standin.Fault.malformedJson());
		JobExecution failed = this.jobOperator.start(this.pypiWatchJob,
				new JobParametersBuilder().addString(PypiWatchJobConfiguration.MODE_PARAMETER, "INCREMENTAL")
					.addLong("run", System.nanoTime())
					.toJobParameters());
		assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
		assertThat(failed.getExitStatus().getExitDescription()).contains("malformed root listing");
	}

	@Test
	void theScheduledTickRunsAnAutoCycleThatStartsWithAFullReconciliation() {
		this.jdbc.sql("DELETE FROM pypi_global_cursor").update();
		pypi.project("tick-pkg").sdistOnly("1.0");
		long repo = this.jdbc.sql("INSERT INTO repository (url) VALUES ('file:///tmp/tick.git') RETURNING id")
			.query(Long.class)
			.single();
		this.jdbc
			.sql("""
					INSERT INTO project (name, display_name, repository_id, optin_state) VALUES ('tick-pkg', 'tick-pkg', ?, 'OPTED_IN')
					""")
			.param(repo)
			.update();
		PypiProperties properties = this.context.getBean(PypiProperties.class);
		new PypiWatchScheduler(this.jobOperator, this.pypiWatchJob, properties).runCycle();

		assertThat(this.jdbc.sql("""
				SELECT p.parameter_value FROM batch_job_execution_params p
				JOIN batch_job_execution e USING (job_execution_id)
				WHERE p.parameter_name = 'mode' AND e.status = 'COMPLETED' ORDER BY e.job_execution_id DESC LIMIT 1
				""").query(String.class).single()).isEqualTo("AUTO");
		assertThat(this.jdbc.sql("SELECT reconciled_at IS NOT NULL FROM pypi_global_cursor")
			.query(Boolean.class)
			.optional()).as("no reconciliation recorded yet, so AUTO ran a full one").contains(true);
	}

	@TestConfiguration
	static class ListenerConfiguration {

		@Bean
		Listener listener() {
			return new Listener();
		}

	}

	static class Listener {

		final List<PypiChange> heard = new CopyOnWriteArrayList<>();

		@EventListener
		void on(PypiChange change) {
			this.heard.add(change);
		}

	}

}
