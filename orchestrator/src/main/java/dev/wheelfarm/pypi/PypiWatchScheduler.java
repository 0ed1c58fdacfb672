package dev.wheelfarm.pypi;

import java.time.Duration;

import dev.wheelfarm.scheduling.BatchJobs;
import dev.wheelfarm.scheduling.RepeatingTask;

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
class PypiWatchScheduler implements RepeatingTask {

	private final JobOperator jobOperator;

	private final Job pypiWatchJob;

	private final Duration interval;

	PypiWatchScheduler(JobOperator jobOperator, Job pypiWatchJob, PypiProperties properties) {
		this.jobOperator = jobOperator;
		this.pypiWatchJob = pypiWatchJob;
		this.interval = properties.pollInterval();
	}

	@Override
	public String name() {
		return "pypi-watch";
	}

	/** A few seconds after start: the farm answers its first requests first. */
	@Override
	public Duration initialDelay() {
		return Duration.ofSeconds(5);
	}

	@Override
	public Duration interval() {
		return this.interval;
	}

	@Override
	public void runOnce() {
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
