package dev.wheelfarm.uploads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.wheelfarm.testsupport.IsolatedProcess;

/**
 * Debian's twine and a venv's pip, each run through {@link IsolatedProcess}, with an
 * empty twine config file and pip without a cache.
 */
final class Clients {

	static final String PYTHON = "/usr/bin/python3";

	private final Path home;

	private Path venv;

	Clients(Path home) {
		this.home = home;
	}

	/**
	 * {@code twine upload --verbose} of {@code files} to {@code url} with
	 * {@code __token__:password}.
	 */
	Result twine(String url, String password, Path... files) throws IOException, InterruptedException {
		return twine(url, password, List.of(), files);
	}

	Result twine(String url, String password, List<String> options, Path... files)
			throws IOException, InterruptedException {
		Path config = this.home.resolve("pypirc");
		if (!Files.exists(config)) {
			Files.writeString(config, "");
		}
		List<String> command = new ArrayList<>(List.of("/usr/bin/twine", "upload", "--repository-url", url, "-u",
				"__token__", "-p", password, "--non-interactive", "--disable-progress-bar", "--verbose",
				"--config-file", config.toString()));
		command.addAll(options);
		for (Path file : files) {
			command.add(file.toString());
		}
		return run(command, 120);
	}

	/** {@code pip <arguments> --index-url <index>} in a fresh venv of this class. */
	Result pip(String index, String... arguments) throws IOException, InterruptedException {
		if (this.venv == null) {
			this.venv = this.home.resolve("venv");
			Result created = run(List.of(PYTHON, "-m", "venv", this.venv.toString()), 120);
			if (created.exitCode() != 0) {
				throw new IllegalStateException("venv: " + created.output());
			}
		}
		List<String> command = new ArrayList<>(List.of(this.venv.resolve("bin/python").toString(), "-m", "pip"));
		command.addAll(List.of(arguments));
		command.addAll(List.of("--no-cache-dir", "--retries", "0", "--timeout", "30", "--index-url", index));
		return run(command, 300);
	}

	Result python(String code) throws IOException, InterruptedException {
		return run(List.of(this.venv.resolve("bin/python").toString(), "-c", code), 60);
	}

	private Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
		IsolatedProcess.Result result = IsolatedProcess.run(command, this.home, timeoutSeconds);
		return new Result(result.exitCode(), result.output());
	}

	record Result(int exitCode, String output) {

	}

}
