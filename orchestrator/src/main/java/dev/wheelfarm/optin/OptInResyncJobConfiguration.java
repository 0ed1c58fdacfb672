package dev.wheelfarm.optin;

import java.time.Instant;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
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
	static class Scheduler {

		private static final Logger logger = LoggerFactory.getLogger(Scheduler.class);

		private final JobOperator jobOperator;

		private final Job optInResyncJob;

		private final OptInProperties properties;

		private final ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();

		Scheduler(JobOperator jobOperator, Job optInResyncJob, OptInProperties properties) {
			this.jobOperator = jobOperator;
			this.optInResyncJob = optInResyncJob;
			this.properties = properties;
			this.scheduler.setThreadNamePrefix("optin-resync-");
			this.scheduler.setWaitForTasksToCompleteOnShutdown(false);
		}

		@EventListener(ApplicationReadyEvent.class)
		void start() {
			this.scheduler.initialize();
			this.scheduler.scheduleWithFixedDelay(this::run, Instant.now().plus(this.properties.resyncInterval()),
					this.properties.resyncInterval());
		}

		@PreDestroy
		void stop() {
			this.scheduler.shutdown();
		}

		void run() {
			try {
				JobExecution execution = this.jobOperator.start(this.optInResyncJob,
						new JobParametersBuilder().addLong("started", System.currentTimeMillis()).toJobParameters());
				if (execution.getStatus() != BatchStatus.COMPLETED) {
					logger.warn("Opt-in re-sync ended {}: {}", execution.getStatus(),
							execution.getAllFailureExceptions());
				}
			}
			catch (JobExecutionException | DataAccessException ex) {
				// An exception escaping here would cancel the schedule for good.
				logger.warn("Could not launch the opt-in re-sync job: {}", ex.getMessage());
			}
		}

	}

}
