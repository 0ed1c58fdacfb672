package dev.wheelfarm.dispatch.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's own unit tests (standard-library {@code unittest}, in
 * {@code src/test/python}), run by Maven so that {@code mvn verify} fails when they do.
 * They run against the worker and options schema of the source tree, the files the jar
 * ships.
 */
class WorkerPythonTest {

	@Test
	void theWorkersUnitTestsPass() throws IOException, InterruptedException {
		Path tests = Path.of("src/test/python").toAbsolutePath();
		Path worker = Path.of("../worker-templates").toAbsolutePath().normalize();
		ProcessBuilder builder = new ProcessBuilder(Sdists.PYTHON, "-m", "unittest", "discover", "-v", "-s",
				tests.toString())
			.redirectErrorStream(true);
		builder.environment().put("PYTHONPATH", worker.toString());
		builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("the tests end").isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		assertThat(output).as("the tests were found").containsPattern("Ran [1-9][0-9]* tests");
	}

}
