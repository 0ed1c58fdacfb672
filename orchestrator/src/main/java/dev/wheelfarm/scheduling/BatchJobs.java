package dev.wheelfarm.scheduling;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobOperator;

/** Launching the farm's scheduled Spring Batch jobs, the same way for each. */
public final class BatchJobs {

	private static final Logger logger = LoggerFactory.getLogger(BatchJobs.class);

	private BatchJobs() {
	}

	/**
	 * Runs a job and says in the log when it did not complete. A job that cannot be
	 * launched is logged too, not thrown: the next scheduled run tries again.
	 * @param what the job in words, for the log
	 */
	public static void launch(JobOperator operator, Job job, JobParameters parameters, String what) {
		try {
			JobExecution execution = operator.start(job, parameters);
			if (execution.getStatus() != BatchStatus.COMPLETED) {
				logger.warn("{} ended {}: {}", what, execution.getStatus(), execution.getAllFailureExceptions());
			}
		}
		catch (JobExecutionException ex) {
			logger.warn("Could not launch {}: {}", what, ex.getMessage());
		}
	}

}
