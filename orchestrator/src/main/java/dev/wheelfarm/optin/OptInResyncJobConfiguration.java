package dev.wheelfarm.optin;

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
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code optin-resync} Spring Batch job: re-reads every registered repository (an
 * unmoved default branch costs one ls-remote) and re-checks ownership on PyPI. Each
 * repository commits on its own, so one that fails or hangs until its timeout never holds
 * up the others.
 */
@Configuration(proxyBeanMethods = false)
class OptInResyncJobConfiguration {

	static final String JOB_NAME = "optin-resync";

	@Bean
	Job optInResyncJob(JobRepository jobRepository, Step optInResyncStep) {
		return new JobBuilder(JOB_NAME, jobRepository).start(optInResyncStep).build();
	}

	@Bean
	Step optInResyncStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			OptInService service) {
		return new StepBuilder("optin-resync-all", jobRepository).tasklet((contribution, chunk) -> {
			int read = service.resyncAll();
			contribution.incrementWriteCount(read);
			return RepeatStatus.FINISHED;
		}, transactionManager).build();
	}

	/**
	 * Launches the job every {@code wheelfarm.optin.resync-interval}, counted from the
	 * end of the previous run so runs never overlap. Off with
	 * {@code wheelfarm.optin.resync-enabled=false}.
	 */
	@Component
	@ConditionalOnProperty(name = "wheelfarm.optin.resync-enabled", havingValue = "true", matchIfMissing = true)
	static class Scheduler implements RepeatingTask {

		private final JobOperator jobOperator;

		private final Job optInResyncJob;

		private final Duration interval;

		Scheduler(JobOperator jobOperator, Job optInResyncJob, OptInProperties properties) {
			this.jobOperator = jobOperator;
			this.optInResyncJob = optInResyncJob;
			this.interval = properties.resyncInterval();
		}

		@Override
		public String name() {
			return "optin-resync";
		}

		/** The first re-sync waits one interval too: registration reads a repository. */
		@Override
		public Duration initialDelay() {
			return this.interval;
		}

		@Override
		public Duration interval() {
			return this.interval;
		}

		@Override
		public void runOnce() {
			BatchJobs.launch(this.jobOperator, this.optInResyncJob,
					new JobParametersBuilder().addLong("started", System.currentTimeMillis()).toJobParameters(),
					"the opt-in re-sync");
		}

	}

}
