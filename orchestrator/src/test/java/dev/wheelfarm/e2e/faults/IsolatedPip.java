package dev.wheelfarm.e2e.faults;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.wheelfarm.dispatch.local.Sdists;

/**
 * pip in a fresh venv, isolated from this machine's configuration as environment.md
 * requires: no config file, no {@code PIP_*} variables, no cache, no retries, only the
 * index given.
 */
final class IsolatedPip {

	private final Path venv;

	private final Path home;

	private IsolatedPip(Path venv, Path home) {
		this.venv = venv;
		this.home = home;
	}

	static IsolatedPip create(Path scratch) throws IOException, InterruptedException {
		Path venv = scratch.resolve("venv");
		IsolatedPip pip = new IsolatedPip(venv, scratch);
		Result created = pip.run(List.of(Sdists.PYTHON, "-m", "venv", venv.toString()), 120);
		if (created.exitCode() != 0) {
			throw new AssertionError("cannot create a venv: " + created.output());
		}
		return pip;
	}

	/**
	 * {@code pip install --only-binary :all: <requirements>} from {@code index} alone.
	 */
	Result install(URI index, String... requirements) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(this.venv.resolve("bin/python").toString(), "-m", "pip",
				"install", "--no-cache-dir", "--retries", "0", "--timeout", "30", "--only-binary", ":all:",
				"--index-url", index.toString()));
		command.addAll(List.of(requirements));
		return run(command, 180);
	}

	/** Runs Python code in the venv. */
	Result python(String code) throws IOException, InterruptedException {
		return run(List.of(this.venv.resolve("bin/python").toString(), "-c", code), 60);
	}

	private Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		Map<String, String> environment = builder.environment();
		for (String key : new HashMap<>(environment).keySet()) {
			if (key.startsWith("PIP_") || key.startsWith("PYTHON")) {
				environment.remove(key);
			}
		}
		environment.put("PIP_CONFIG_FILE", "/dev/null");
		environment.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
		environment.put("HOME", this.home.toString());
		Process process = builder.start();
		byte[] output = process.getInputStream().readAllBytes();
		if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new AssertionError("timed out: " + command);
		}
		return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
	}

	record Result(int exitCode, String output) {

	}

}
