package dev.wheelfarm.retention;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.wheelfarm.artifacts.LocalBlobStore;
import dev.wheelfarm.builds.WheelIngest;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the retention tests over the whole application share: one application context (one
 * database, one connection pool), the ingest that stores a history, and the job launched
 * as the schedule launches it. The schedule is on, so pages show a next run; its first
 * check waits ten minutes, longer than these tests. Pages are cached for an hour and the
 * static export runs hourly, so only the removal event can explain a page or an export
 * that changed right after a run.
 */
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.retention.enabled=true",
		"wheelfarm.index.page-cache-ttl=1h", "wheelfarm.index.export-interval=1h" })
abstract class RetentionIntegrationTest {

	static final String PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

	static final Path SCRATCH = temporaryDirectory("retention-test");

	static final Path EXPORT = SCRATCH.resolve("export");

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	WheelIngest ingest;

	@Autowired
	LocalBlobStore blobs;

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

	@DynamicPropertySource
	static void export(DynamicPropertyRegistry registry) {
		registry.add("wheelfarm.index.export-dir", EXPORT::toString);
	}

	/** A directory of its own for one test's wheels. */
	RetentionFixtures fixtures() throws IOException {
		return fixtures(Files.createTempDirectory(SCRATCH, "wheels"));
	}

	HttpResponse<String> get(String path, String accept) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)));
		if (accept != null) {
			request.header("Accept", accept);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	private static Path temporaryDirectory(String prefix) {
		try {
			return Files.createTempDirectory(prefix);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
