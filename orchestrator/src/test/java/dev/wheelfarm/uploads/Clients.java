package dev.wheelfarm.uploads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.wheelfarm.testsupport.Venv;

/**
 * Debian's twine with an empty config file, and pip in a fresh venv of the test class,
 * both isolated from this machine's settings ({@link Venv#isolated}).
 */
final class Clients {

	private final Path home;

	private Venv venv;

	Clients(Path home) {
		this.home = home;
	}

	/**
	 * {@code twine upload --verbose} of {@code files} to {@code url} with
	 * {@code __token__:password}.
	 */
	Venv.Result twine(String url, String password, Path... files) throws IOException {
		return twine(url, password, List.of(), files);
	}

	/**
	 * {@code twine upload} without {@code --verbose}, as most CI jobs run it: of a
	 * refused upload it prints the status line only.
	 */
	Venv.Result twineQuietly(String url, String password, Path... files) throws IOException {
		return run(url, password, List.of(), false, files);
	}

	Venv.Result twine(String url, String password, List<String> options, Path... files) throws IOException {
		return run(url, password, options, true, files);
	}

	private Venv.Result run(String url, String password, List<String> options, boolean verbose, Path... files)
			throws IOException {
		Path config = this.home.resolve("pypirc");
		if (!Files.exists(config)) {
			Files.writeString(config, "");
		}
		List<String> command = new ArrayList<>(
				List.of("/usr/bin/twine", "upload", "--repository-url", url, "-u", "__token__", "-p", password,
						"--non-interactive", "--disable-progress-bar", "--config-file", config.toString()));
		if (verbose) {
			command.add("--verbose");
		}
		command.addAll(options);
		for (Path file : files) {
			command.add(file.toString());
		}
		return Venv.isolated(command, this.home, 120);
	}

	/** {@code pip <arguments> --index-url <index>} in this class's venv. */
	Venv.Result pip(String index, String... arguments) {
		return venv().pip(index, arguments);
	}

	Venv.Result python(String code) {
		return venv().python(code);
	}

	private Venv venv() {
		if (this.venv == null) {
			this.venv = Venv.create(this.home, "venv");
		}
		return this.venv;
	}

}
