package dev.wheelfarm.retention;

import java.time.Duration;

import dev.wheelfarm.scheduling.BatchJobs;
import dev.wheelfarm.scheduling.RepeatingTask;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Component;

/**
 * The {@code retention} Spring Batch job: applies every project's retention policy and
 * sweeps the blobs removed files left behind. Its step runs outside any database
 * transaction of its own: each project commits on its own, and the index must hear of a
 * removal only after that commit.
 */
@Configuration(proxyBeanMethods = false)
class RetentionJobConfiguration {

	static final String JOB_NAME = "retention";

	@Bean
	Job retentionJob(JobRepository jobRepository, Step retentionStep) {
		return new JobBuilder(JOB_NAME, jobRepository).start(retentionStep).build();
	}

	@Bean
	Step retentionStep(JobRepository jobRepository, RetentionService service) {
		return new StepBuilder("retention-apply", jobRepository).tasklet((contribution, chunk) -> {
			RetentionService.Summary summary = service.run();
			contribution.incrementWriteCount(summary.filesRemoved());
			return RepeatStatus.FINISHED;
		}, new ResourcelessTransactionManager()).build();
	}

	/**
	 * Runs the job once per {@code wheelfarm.retention.interval}, counted from the start
	 * of the last recorded run, so a restart neither skips a day nor runs twice. It
	 * checks whether a run is due every few minutes. Off with
	 * {@code wheelfarm.retention.enabled=false}.
	 */
	@Component
	@ConditionalOnProperty(name = "wheelfarm.retention.enabled", havingValue = "true", matchIfMissing = true)
	static class Scheduler implements RepeatingTask {

		static final Duration CHECK_EVERY = Duration.ofMinutes(10);

		private final JobOperator jobOperator;

		private final Job retentionJob;

		private final RetentionService service;

		private final Duration checkEvery;

		Scheduler(JobOperator jobOperator, Job retentionJob, RetentionService service, RetentionProperties properties) {
			this.jobOperator = jobOperator;
			this.retentionJob = retentionJob;
			this.service = service;
			this.checkEvery = checkEvery(properties);
		}

		@Override
		public String name() {
			return JOB_NAME;
		}

		@Override
		public Duration initialDelay() {
			return this.checkEvery;
		}

		@Override
		public Duration interval() {
			return this.checkEvery;
		}

		/**
		 * The first check waits one period too: a daily job loses nothing by starting a
		 * few minutes after the farm, and the farm's start is not slowed by it.
		 */
		private static Duration checkEvery(RetentionProperties properties) {
			return (properties.interval().compareTo(CHECK_EVERY) < 0) ? properties.interval() : CHECK_EVERY;
		}

		@Override
		public void runOnce() {
			if (this.service.due()) {
				BatchJobs.launch(this.jobOperator, this.retentionJob,
						new JobParametersBuilder().addLong("started", System.currentTimeMillis()).toJobParameters(),
						"the retention job");
			}
		}

	}

}
