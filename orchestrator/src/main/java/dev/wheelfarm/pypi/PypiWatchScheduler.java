package dev.wheelfarm.pypi;

import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.stereotype.Component;

/**
 * Launches the {@code pypi-watch} job every {@code wheelfarm.pypi.poll-interval}, counted
 * from the end of the previous cycle so that a slow cycle never overlaps the next. Off
 * with {@code wheelfarm.pypi.watch-enabled=false}.
 */
@Component
@ConditionalOnProperty(name = "wheelfarm.pypi.watch-enabled", havingValue = "true", matchIfMissing = true)
class PypiWatchScheduler {

	private static final Logger logger = LoggerFactory.getLogger(PypiWatchScheduler.class);

	private final JobOperator jobOperator;

	private final Job pypiWatchJob;

	private final PypiProperties properties;

	private final ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();

	PypiWatchScheduler(JobOperator jobOperator, Job pypiWatchJob, PypiProperties properties) {
		this.jobOperator = jobOperator;
		this.pypiWatchJob = pypiWatchJob;
		this.properties = properties;
		this.scheduler.setThreadNamePrefix("pypi-watch-");
		this.scheduler.setWaitForTasksToCompleteOnShutdown(false);
	}

	@EventListener(ApplicationReadyEvent.class)
	void start() {
		this.scheduler.initialize();
		this.scheduler.scheduleWithFixedDelay(this::runCycle, Instant.now().plusSeconds(5),
				this.properties.pollInterval());
	}

	@jakarta.annotation.PreDestroy
	void stop() {
		this.scheduler.shutdown();
	}

	void runCycle() {
		try {
			JobExecution execution = this.jobOperator.start(this.pypiWatchJob,
					new JobParametersBuilder()
						.addString(PypiWatchJobConfiguration.MODE_PARAMETER, PypiWatcher.Mode.AUTO.name())
						.addLong("started", System.currentTimeMillis())
						.toJobParameters());
			if (execution.getStatus() != BatchStatus.COMPLETED) {
				logger.warn("PyPI watch cycle ended {}: {}", execution.getStatus(),
						execution.getAllFailureExceptions());
			}
		}
		catch (JobExecutionException | DataAccessException ex) {
			// An exception escaping here would cancel the schedule for good; the next
			// tick
			// tries again instead.
			logger.warn("Could not launch the PyPI watch job: {}", ex.getMessage());
		}
	}

}
