package dev.wheelfarm.pypi;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code pypi-watch} Spring Batch job: one step, one cycle. Each project commits in
 * its own transaction inside the step, so a crash mid-cycle loses at most the project in
 * flight, and the next run simply starts a new cycle.
 */
@Configuration(proxyBeanMethods = false)
class PypiWatchJobConfiguration {

	static final String JOB_NAME = "pypi-watch";

	static final String MODE_PARAMETER = "mode";

	@Bean
	Job pypiWatchJob(JobRepository jobRepository, Step pypiWatchStep) {
		return new JobBuilder(JOB_NAME, jobRepository).start(pypiWatchStep).build();
	}

	@Bean
	Step pypiWatchStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			PypiWatcher watcher) {
		return new StepBuilder("pypi-watch-cycle", jobRepository).tasklet((contribution, chunk) -> {
			String mode = chunk.getStepContext()
				.getStepExecution()
				.getJobParameters()
				.getString(MODE_PARAMETER, PypiWatcher.Mode.AUTO.name());
			PypiWatcher.CycleReport report = watcher.watch(PypiWatcher.Mode.valueOf(mode));
			contribution.incrementWriteCount(report.changes().size());
			chunk.getStepContext()
				.getStepExecution()
				.getExecutionContext()
				.putString("report", report.mode() + ": " + report.read() + " read, " + report.unchanged()
						+ " unchanged, " + report.failed() + " failed, " + report.changes().size() + " changes");
			return RepeatStatus.FINISHED;
		}, transactionManager).build();
	}

}
