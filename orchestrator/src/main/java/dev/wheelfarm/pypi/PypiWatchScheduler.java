package dev.wheelfarm.pypi;

import java.time.Duration;

import dev.wheelfarm.scheduling.BatchJobs;
import dev.wheelfarm.scheduling.FixedDelaySchedule;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Launches the {@code pypi-watch} job every {@code wheelfarm.pypi.poll-interval}, counted
 * from the end of the previous cycle so that a slow cycle never overlaps the next. Off
 * with {@code wheelfarm.pypi.watch-enabled=false}.
 */
@Component
@ConditionalOnProperty(name = "wheelfarm.pypi.watch-enabled", havingValue = "true", matchIfMissing = true)
class PypiWatchScheduler extends FixedDelaySchedule {

	private final JobOperator jobOperator;

	private final Job pypiWatchJob;

	PypiWatchScheduler(JobOperator jobOperator, Job pypiWatchJob, PypiProperties properties) {
		super("pypi-watch", Duration.ofSeconds(5), properties.pollInterval());
		this.jobOperator = jobOperator;
		this.pypiWatchJob = pypiWatchJob;
	}

	@Override
	protected void runOnce() {
		runCycle();
	}

	void runCycle() {
		BatchJobs.launch(this.jobOperator, this.pypiWatchJob,
				new JobParametersBuilder()
					.addString(PypiWatchJobConfiguration.MODE_PARAMETER, PypiWatcher.Mode.AUTO.name())
					.addLong("started", System.currentTimeMillis())
					.toJobParameters(),
				"the PyPI watch cycle");
	}

}
