package dev.wheelfarm.retention;

import java.io.IOException;
import java.nio.file.Path;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.artifacts.WheelIngest;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the retention tests over the whole application share: the ingest that stores a
 * history, and the job launched as the schedule launches it.
 */
abstract class RetentionIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	WheelIngest ingest;

	@Autowired
	BlobStore blobs;

	@Autowired
	JobOperator jobOperator;

	@Autowired
	Job retentionJob;

	RetentionFixtures fixtures(Path wheels) {
		return new RetentionFixtures(this.jdbc, this.ingest, this.blobs, wheels);
	}

	/** One run of the {@code retention} job, which must complete. */
	JobExecution runJob() throws Exception {
		JobExecution execution = this.jobOperator.start(this.retentionJob,
				new JobParametersBuilder().addLong("started", System.nanoTime()).toJobParameters());
		assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
		return execution;
	}

	static Path directory(Path parent, String name) throws IOException {
		return java.nio.file.Files.createDirectories(parent.resolve(name));
	}

}
