package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fresh Python virtual environment with pip used the way an index user would, but
 * isolated from this machine's pip configuration (environment.md): no config file, no
 * find-links, no cache, no retries, and only the index the test names. Otherwise pip
 * silently installs from the machine's local wheel mirrors, not from the index under
 * test.
 */
public final class Venv {

	/** Debian's interpreter: it has setuptools and wheel for sdist metadata offline. */
	public static final String PYTHON = "/usr/bin/python3";

	/** The pip wheel {@link #withCurrentPip()} installs (a test resource). */
	private static final String CURRENT_PIP = "/clients/pip-26.2.1-py3-none-any.whl";

	private final Path home;

	private final Path directory;

	private Venv(Path home, Path directory) {
		this.home = home;
		this.directory = directory;
	}

	/**
	 * Creates a venv under {@code scratch}. System site packages give pip Debian's
	 * setuptools and wheel, with which it prepares an sdist's metadata offline
	 * ({@code --no-build-isolation}); nothing of ours is there.
	 */
	public static Venv create(Path scratch, String name) {
		Path directory = scratch.resolve(name);
		Venv venv = new Venv(scratch, directory);
		Result created = venv.run(List.of(PYTHON, "-m", "venv", "--system-site-packages", directory.toString()), 120);
		if (created.exitCode() != 0) {
			throw new IllegalStateException("could not create a venv: " + created.output());
		}
		return venv;
	}

	/**
	 * Replaces the venv's pip (Debian 12's 23.0.1) with the current pip kept in the test
	 * resources ({@code clients/README.md}), installed offline. Current pip resolves from
	 * PEP 658/714 {@code .metadata} files and then downloads every file of one command
	 * into one directory: what users run, and what the old pip cannot show.
	 * @return this venv
	 */
	public Venv withCurrentPip() {
		Path wheel;
		try {
			wheel = Path.of(Venv.class.getResource(CURRENT_PIP).toURI());
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException(ex);
		}
		Result installed = run(List.of(python(), "-m", "pip", "install", "--no-index", "--no-deps", "--no-cache-dir",
				"--force-reinstall", wheel.toString()), 120);
		if (installed.exitCode() != 0) {
			throw new IllegalStateException("could not install " + wheel + ": " + installed.output());
		}
		return this;
	}

	/** Runs {@code python -m pip <arguments>} against this index only. */
	public Result pip(String indexUrl, String... arguments) {
		List<String> command = new ArrayList<>(List.of(python(), "-m", "pip"));
		command.addAll(List.of(arguments));
		command.addAll(List.of("--no-cache-dir", "--retries", "0", "--timeout", "30", "--index-url", indexUrl));
		return run(command, 300);
	}

	/** Runs a snippet with the venv's interpreter. */
	public Result python(String code) {
		return run(List.of(python(), "-c", code), 60);
	}

	private String python() {
		return this.directory.resolve("bin/python").toString();
	}

	private Result run(List<String> command, int timeoutSeconds) {
		return isolated(command, this.home, timeoutSeconds);
	}

	/**
	 * Runs a Python client (pip, twine) with {@code home} as {@code HOME} and none of
	 * this machine's pip or twine settings: no {@code PIP_*}, {@code PYTHON*} or
	 * {@code TWINE_*} variables, no pip config file, no keyring.
	 */
	public static Result isolated(List<String> command, Path home, int timeoutSeconds) {
		return isolated(command, home, timeoutSeconds, Map.of());
	}

	/**
	 * {@link #isolated(List, Path, int)} with {@code settings} set after the machine's
	 * are removed (e.g. the one {@code PIP_INDEX_URL} an isolated build may use).
	 */
	public static Result isolated(List<String> command, Path home, int timeoutSeconds, Map<String, String> settings) {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		Map<String, String> environment = builder.environment();
		// This machine's pip is configured to read local mirrors: none of that may leak
		// in.
		for (String key : new HashMap<>(environment).keySet()) {
			if (key.startsWith("PIP_") || key.startsWith("PYTHON") || key.startsWith("TWINE_")) {
				environment.remove(key);
			}
		}
		environment.put("PIP_CONFIG_FILE", "/dev/null");
		environment.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
		// No keyring backend: twine must use the password it is given and nothing else.
		environment.put("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring");
		// twine prints through rich, which wraps at the terminal width: one line per
		// message keeps the output searchable.
		environment.put("COLUMNS", "250");
		environment.put("HOME", home.toString());
		environment.putAll(settings);
		try {
			Process process = builder.start();
			process.getOutputStream().close();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new AssertionError("timed out: " + command + "\n" + output);
			}
			return new Result(process.exitValue(), output);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while running " + command, ex);
		}
	}

	/** What a command printed (stdout and stderr together) and how it ended. */
	public record Result(int exitCode, String output) {

	}

}
