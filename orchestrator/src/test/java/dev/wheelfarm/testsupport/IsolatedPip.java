package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * pip as a real client of the index, isolated from this machine's configuration
 * (environment.md): no config file, no find-links, no cache, no retries, a fresh venv,
 * and only the index the test names.
 */
public final class IsolatedPip {

	private final Path venv;

	private final Path home;

	private IsolatedPip(Path venv, Path home) {
		this.venv = venv;
		this.home = home;
	}

	/**
	 * Creates a venv under {@code scratch}.
	 * @param python the interpreter that creates it
	 * @param systemSitePackages whether the venv sees the system's packages (to build
	 * sdists offline with Debian's setuptools and wheel)
	 */
	public static IsolatedPip create(Path scratch, String python, boolean systemSitePackages)
			throws IOException, InterruptedException {
		Path venv = scratch.resolve("venv");
		List<String> command = new ArrayList<>(List.of(python, "-m", "venv"));
		if (systemSitePackages) {
			command.add("--system-site-packages");
		}
		command.add(venv.toString());
		IsolatedPip pip = new IsolatedPip(venv, scratch);
		Result created = pip.run(command, 120);
		if (created.exitCode() != 0) {
			throw new IllegalStateException("could not create a venv: " + created.output());
		}
		return pip;
	}

	/** The venv's python. */
	public String python() {
		return this.venv.resolve("bin/python").toString();
	}

	/** Runs pip with {@code arguments} against {@code indexUrl} only. */
	public Result pip(String indexUrl, String... arguments) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(python(), "-m", "pip"));
		command.addAll(List.of(arguments));
		command.addAll(List.of("--no-cache-dir", "--retries", "0", "--timeout", "30", "--index-url", indexUrl));
		return run(command, 300);
	}

	/** Runs a command in the isolated environment. */
	public Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		Map<String, String> environment = builder.environment();
		// This machine's pip is configured to read local mirrors: none of that may leak
		// in.
		for (String key : new HashMap<>(environment).keySet()) {
			if (key.startsWith("PIP_") || key.startsWith("PYTHON")) {
				environment.remove(key);
			}
		}
		environment.put("PIP_CONFIG_FILE", "/dev/null");
		environment.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
		environment.put("HOME", this.home.toString());
		Process process = builder.start();
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new AssertionError("timed out: " + command + "\n" + output);
		}
		return new Result(process.exitValue(), output);
	}

	/**
	 * What a command did.
	 *
	 * @param exitCode its exit code
	 * @param output standard output and error, interleaved
	 */
	public record Result(int exitCode, String output) {

	}

}
