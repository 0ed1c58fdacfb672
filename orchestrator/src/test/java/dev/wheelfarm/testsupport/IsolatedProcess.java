package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Python client (pip, twine) isolated from this machine's configuration
 * (environment.md): pip here is configured to read local mirrors, and none of that may
 * leak in. No {@code PIP_*}, {@code PYTHON*} or {@code TWINE_*} variables, no pip config
 * file, no keyring, and {@code home} as {@code HOME}.
 */
public final class IsolatedProcess {

	private IsolatedProcess() {
	}

	public static Result run(List<String> command, Path home, int timeoutSeconds)
			throws IOException, InterruptedException {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		Map<String, String> environment = builder.environment();
		for (String key : new HashMap<>(environment).keySet()) {
			if (key.startsWith("PIP_") || key.startsWith("PYTHON") || key.startsWith("TWINE_")) {
				environment.remove(key);
			}
		}
		environment.put("PIP_CONFIG_FILE", "/dev/null");
		environment.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
		// No keyring backend: twine must use the password it is given and nothing else.
		environment.put("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring");
		environment.put("HOME", home.toString());
		// twine prints through rich, which wraps at the terminal width: one line per
		// message keeps the output searchable.
		environment.put("COLUMNS", "250");
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
	 * How a process ended.
	 *
	 * @param exitCode its exit code
	 * @param output its standard output and error, interleaved
	 */
	public record Result(int exitCode, String output) {

	}

}
