package dev.wheelfarm.dispatch.local;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import dev.wheelfarm.builds.FailureClass;
import dev.wheelfarm.dispatch.WorkerResult;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.slf4j.LoggerFactory;

/**
 * Runs the worker script on this machine: the local builder engine. The script is the one
 * the GitHub workflow runs, extracted from the jar, so a local build and a farm build
 * differ only in where cibuildwheel can run.
 *
 * <p>
 * The worker is started with an argument list (never through a shell), its output goes to
 * a file, and a run that exceeds the time limit has its whole process tree killed and
 * counts as a {@link FailureClass#TIMEOUT}. Free of database code: the ledger calls it
 * and records what it returns.
 */
public class LocalWorkerRunner {

	/** Where the build puts the worker inside the jar (see orchestrator/pom.xml). */
	static final String WORKER_RESOURCE = "wheelfarm/worker-templates/wheelfarm_worker.py";

	/** The options contract the worker reads next to itself. */
	static final String OPTIONS_SCHEMA_RESOURCE = "wheelfarm/worker-templates/options.schema.json";

	/**
	 * Where a run records its worker's pid and start time: {@code "<pid> <epoch ms>"}.
	 */
	static final String PID_FILE = "worker.pid";

	private static final int CONSOLE_TAIL_CHARS = 4000;

	/** Probing docker or podman may take a while; nothing longer is worth waiting for. */
	private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(90);

	private static final JsonMapper CHECK_JSON = JsonMapper.builder().build();

	/**
	 * The only variables of the farm's environment a worker gets: its secrets (database
	 * password, GitHub App key, upload tokens) must not reach a build, sandboxed or not.
	 */
	private static final List<String> PASSED_ENVIRONMENT = List.of("PATH", "HOME", "LANG", "TZ", "PYENV_ROOT");

	/** Where the worker reads the index of an isolated build. */
	static final String INDEX_VARIABLE = "WHEELFARM_INDEX_URL";

	private final LocalBuilderProperties properties;

	private final Duration runTimeout;

	private final LocalSandbox sandbox;

	private final BuildIndex defaultIndex;

	/**
	 * A runner whose workers are killed after {@code runTimeout}
	 * ({@code wheelfarm.dispatch.run-timeout}, the limit of a run for every engine).
	 * @param sandbox the sandbox the builds run in
	 * @param defaultIndex the index isolated builds use when
	 * {@code wheelfarm.local.index-url} is empty: the farm's own cache
	 */
	public LocalWorkerRunner(LocalBuilderProperties properties, Duration runTimeout, LocalSandbox sandbox,
			BuildIndex defaultIndex) {
		if (runTimeout == null || runTimeout.isNegative() || runTimeout.isZero()) {
			throw new IllegalArgumentException("wheelfarm.dispatch.run-timeout must be positive");
		}
		this.properties = properties;
		this.runTimeout = runTimeout;
		this.sandbox = sandbox;
		this.defaultIndex = defaultIndex;
	}

	/** The sandbox this runner's builds run in. */
	public LocalSandbox sandbox() {
		return this.sandbox;
	}

	/**
	 * Builds the invocation's sdist in {@code runDirectory} (created if needed; the
	 * worker's output is under {@code out/}, its scratch space under {@code work/}). The
	 * worker's pid is recorded in {@value #PID_FILE} so that an orchestrator started
	 * after this one died can find the worker and wait for it ({@link #adopt}).
	 */
	public WorkerRun run(WorkerInvocation invocation, Path runDirectory) {
		long started = System.nanoTime();
		try {
			Path out = Files.createDirectories(runDirectory.resolve("out"));
			Path script = extractWorker(Files.createDirectories(runDirectory.resolve("worker")));
			Path console = runDirectory.resolve("console.log");
			boolean finished;
			Process process;
			try (BuildIndex.Lease index = leaseIndex()) {
				ProcessBuilder worker = worker(
						command(script, invocation, out, this.sandbox.workDirectory(runDirectory)));
				if (index != null) {
					// The environment, not the command line: the URL may carry the
					// build's
					// credential for the cache, which other users could read in ps.
					worker.environment().put(INDEX_VARIABLE, index.url());
				}
				process = worker.redirectOutput(console.toFile()).start();
				recordPid(process.toHandle(), runDirectory);
				finished = waitFor(process);
			}
			finally {
				removeWork(runDirectory);
			}
			Duration duration = Duration.ofNanos(System.nanoTime() - started);
			if (!finished) {
				return timedOut(out, console, duration);
			}
			int exit = process.exitValue();
			return new WorkerRun(readResult(out, "exited " + exit, console), out, console, exit, duration);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot run the worker in " + runDirectory, ex);
		}
	}

	/**
	 * Why builds cannot run in the sandbox here (bubblewrap missing, or failing the probe
	 * the worker runs exactly as it runs a build's tools); empty when they can, or when
	 * the operator chose to run unsandboxed.
	 * @param scratch a directory the worker is extracted to
	 */
	public Optional<String> sandboxUnavailable(Path scratch) {
		if (!this.sandbox.enabled()) {
			return Optional.empty();
		}
		List<String> command = new ArrayList<>();
		try {
			Path script = extractWorker(Files.createDirectories(scratch));
			command.addAll(List.of(this.properties.python(), script.toString(), "check-sandbox", "--python",
					this.properties.python()));
			command.addAll(this.sandbox.workerArguments());
			return askWorker(command, scratch.resolve("sandbox.json"), "sandbox_unavailable", "the sandbox probe");
		}
		catch (IOException ex) {
			return Optional.of("the sandbox probe failed: " + ex.getMessage());
		}
	}

	/**
	 * The worker's process, with none of the farm's environment but
	 * {@link #PASSED_ENVIRONMENT}.
	 */
	private static ProcessBuilder worker(List<String> command) {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
		Map<String, String> environment = builder.environment();
		environment.keySet().retainAll(PASSED_ENVIRONMENT);
		environment.put("LANG", environment.getOrDefault("LANG", "C.UTF-8"));
		return builder;
	}

	/** The sandbox's work directory lies outside the run directory: remove it too. */
	private void removeWork(Path runDirectory) {
		Path work = this.sandbox.workDirectory(runDirectory);
		if (work.startsWith(runDirectory) || !Files.exists(work)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(work)) {
			for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(path);
			}
		}
		catch (IOException | UncheckedIOException ex) {
			// Left behind, it costs disk space only; the next run of the same id empties
			// it.
			LoggerFactory.getLogger(LocalWorkerRunner.class).warn("Cannot remove {}: {}", work, ex.getMessage());
		}
	}

	/**
	 * Why this machine's builds do not run cibuildwheel, as the worker's {@code check}
	 * finds it (the same test a build makes: the mode, whether the interpreter imports
	 * cibuildwheel, a container engine for Linux); empty when they do run it.
	 * @param scratch a directory the worker is extracted to
	 */
	public Optional<String> cibuildwheelUnavailable(Path scratch) {
		try {
			Path script = extractWorker(Files.createDirectories(scratch));
			List<String> command = new ArrayList<>(
					List.of(this.properties.python(), script.toString(), "check", "--python", this.properties.python(),
							"--cibuildwheel", this.properties.cibuildwheel().name().toLowerCase(Locale.ROOT)));
			if (this.sandbox.enabled()) {
				command.addAll(List.of("--sandbox", "bwrap"));
			}
			return askWorker(command, scratch.resolve("check.json"), "cibuildwheel_unavailable",
					"the check whether cibuildwheel runs here");
		}
		catch (IOException ex) {
			return Optional.of("the check whether cibuildwheel runs here failed: " + ex.getMessage());
		}
	}

	/**
	 * Runs one of the worker's checks, which answers a JSON object on stdout whose
	 * {@code key} holds the reason something cannot run here, or null.
	 */
	private static Optional<String> askWorker(List<String> command, Path answer, String key, String what) {
		try {
			Process process = worker(command).redirectOutput(answer.toFile()).start();
			if (!process.waitFor(CHECK_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
				destroyTree(process.toHandle());
				return Optional.of(what + " took longer than " + CHECK_TIMEOUT);
			}
			String output = Files.readString(answer, StandardCharsets.UTF_8);
			if (process.exitValue() != 0) {
				return Optional.of(what + " failed: " + output.strip());
			}
			JsonNode reason = CHECK_JSON.readTree(output).path(key);
			return reason.isString() ? Optional.of(reason.asString()) : Optional.empty();
		}
		catch (IOException | JacksonException ex) {
			return Optional.of(what + " failed: " + ex.getMessage());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Optional.of(what + " was interrupted");
		}
	}

	/**
	 * The worker an earlier orchestrator process started in {@code runDirectory}, if it
	 * is still running: a {@code kill -9} of the orchestrator does not end its children,
	 * and their work is worth keeping. The start time recorded with the pid tells the
	 * worker from an unrelated process that reused its pid.
	 */
	public Optional<ProcessHandle> liveWorker(Path runDirectory) {
		Path file = runDirectory.resolve(PID_FILE);
		if (!Files.isRegularFile(file)) {
			return Optional.empty();
		}
		try {
			String[] fields = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
			long pid = Long.parseLong(fields[0]);
			long startedAt = Long.parseLong(fields[1]);
			return ProcessHandle.of(pid)
				.filter(ProcessHandle::isAlive)
				.filter((handle) -> handle.info()
					.startInstant()
					.map((instant) -> instant.toEpochMilli() == startedAt)
					.orElse(false));
		}
		catch (IOException | RuntimeException ex) {
			// A pid file cut short by the crash names no process we can trust.
			return Optional.empty();
		}
	}

	/**
	 * Waits for a worker found by {@link #liveWorker} as {@link #run} waits for its own,
	 * within what is left of the time limit since the worker started.
	 */
	public WorkerRun adopt(ProcessHandle worker, Path runDirectory) {
		Path out = runDirectory.resolve("out");
		Path console = runDirectory.resolve("console.log");
		Instant startedAt = worker.info().startInstant().orElseGet(Instant::now);
		Duration left = this.runTimeout.minus(Duration.between(startedAt, Instant.now()));
		try {
			boolean finished;
			try {
				finished = waitFor(worker, left.isNegative() ? Duration.ZERO : left);
			}
			finally {
				removeWork(runDirectory);
			}
			Duration duration = Duration.between(startedAt, Instant.now());
			if (!finished) {
				return timedOut(out, console, duration);
			}
			// Not our child: its exit status went to the process that inherited it.
			return new WorkerRun(readResult(out, "ended", console), out, console, -1, duration);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot wait for the worker in " + runDirectory, ex);
		}
	}

	/**
	 * What a worker that ended while no orchestrator watched it left in
	 * {@code runDirectory}.
	 */
	public WorkerRun ended(Path runDirectory) {
		Path out = runDirectory.resolve("out");
		Path console = runDirectory.resolve("console.log");
		removeWork(runDirectory);
		try {
			return new WorkerRun(readResult(out, "ended", console), out, console, -1, Duration.ZERO);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read the worker's result in " + runDirectory, ex);
		}
	}

	private WorkerRun timedOut(Path out, Path console, Duration duration) throws IOException {
		String message = "the worker exceeded the time limit of " + this.runTimeout
				+ " (wheelfarm.dispatch.run-timeout)";
		return new WorkerRun(WorkerResult.synthesized(FailureClass.TIMEOUT, message, tail(console)), out, console, -1,
				duration);
	}

	private static void recordPid(ProcessHandle worker, Path runDirectory) throws IOException {
		long startedAt = worker.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
		Path temporary = runDirectory.resolve(PID_FILE + ".tmp");
		Files.writeString(temporary, worker.pid() + " " + startedAt + "\n", StandardCharsets.US_ASCII);
		Files.move(temporary, runDirectory.resolve(PID_FILE), StandardCopyOption.REPLACE_EXISTING,
				StandardCopyOption.ATOMIC_MOVE);
	}

	/** The worker's command line; every input is one argument, so no shell parses it. */
	List<String> command(Path script, WorkerInvocation invocation, Path out, Path work) {
		List<String> command = new ArrayList<>(List.of(this.properties.python(), script.toString(), "run",
				"--request-id", invocation.requestId(), "--project", invocation.project(), "--version",
				invocation.version(), "--sdist-url", invocation.sdistUrl().toString(), "--sdist-sha256",
				invocation.sdistSha256(), "--options", invocation.options(), "--out", out.toString(), "--work",
				work.toString(), "--python", this.properties.python(), "--cibuildwheel",
				this.properties.cibuildwheel().name().toLowerCase(Locale.ROOT), "--build-selector",
				this.properties.buildSelector(), "--skip-selector", this.properties.skipSelector(), "--fetch-retries",
				Integer.toString(this.properties.fetchRetries()), "--fetch-backoff",
				Double.toString(this.properties.fetchBackoff().toMillis() / 1000.0), "--step-timeout",
				Long.toString(Math.max(1, this.runTimeout.toSeconds()))));
		if (this.properties.offline()) {
			command.add("--no-isolation");
		}
		command.addAll(this.sandbox.workerArguments());
		return command;
	}

	/**
	 * The index of one isolated build ({@code null} offline): the operator's
	 * {@code index-url}, or a lease of the farm's cache.
	 */
	private BuildIndex.Lease leaseIndex() {
		if (this.properties.offline()) {
			return null;
		}
		return this.properties.indexUrl().isEmpty() ? this.defaultIndex.lease()
				: BuildIndex.fixed(this.properties.indexUrl()).lease();
	}

	private boolean waitFor(Process process) throws IOException {
		try {
			if (process.waitFor(this.runTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
				return true;
			}
			destroyTree(process.toHandle());
			return false;
		}
		catch (InterruptedException ex) {
			destroyTree(process.toHandle());
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while waiting for the worker", ex);
		}
	}

	/** Waits for a process that is not this JVM's child (no exit status to reap). */
	private static boolean waitFor(ProcessHandle worker, Duration limit) throws IOException {
		try {
			worker.onExit().get(limit.toMillis(), TimeUnit.MILLISECONDS);
			return true;
		}
		catch (TimeoutException ex) {
			destroyTree(worker);
			return false;
		}
		catch (ExecutionException ex) {
			throw new IOException("cannot wait for the worker", ex);
		}
		catch (InterruptedException ex) {
			destroyTree(worker);
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while waiting for the worker", ex);
		}
	}

	/**
	 * Kills the worker and everything it started. The descendants are listed first: once
	 * the worker is gone, its children are re-parented and no longer found through it.
	 * The worker starts each tool in its own session, so killing the worker alone would
	 * leave compilers running.
	 */
	static void destroyTree(ProcessHandle worker) {
		List<ProcessHandle> descendants = worker.descendants().toList();
		worker.destroyForcibly();
		descendants.forEach(ProcessHandle::destroyForcibly);
		// SIGKILL is asynchronous: wait (bounded) for every exit so that the caller can
		// reuse the run directory and a retry does not race a dying compiler.
		CompletableFuture<?>[] exits = Stream.concat(Stream.of(worker), descendants.stream())
			.map(ProcessHandle::onExit)
			.toArray(CompletableFuture[]::new);
		try {
			CompletableFuture.allOf(exits).get(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			// A process stuck in the kernel (uninterruptible I/O): nothing more to do;
			// the caller goes on as it did before the wait.
			LoggerFactory.getLogger(LocalWorkerRunner.class)
				.warn("Worker {} or a process it started had not exited 10 s after SIGKILL", worker.pid());
		}
	}

	private static WorkerResult readResult(Path out, String exit, Path console) throws IOException {
		Path file = out.resolve("result.json");
		if (!Files.isRegularFile(file)) {
			return WorkerResult.synthesized(FailureClass.UNKNOWN, "the worker " + exit + " without writing result.json",
					tail(console));
		}
		WorkerResult result;
		try {
			result = WorkerResult.parse(file);
		}
		catch (JacksonException ex) {
			return WorkerResult.synthesized(FailureClass.UNKNOWN, "result.json is not readable: " + ex.getMessage(),
					tail(console));
		}
		if (result.schemaVersion() != WorkerResult.SCHEMA_VERSION) {
			return WorkerResult.synthesized(FailureClass.UNKNOWN, "result.json has schema version "
					+ result.schemaVersion() + ", expected " + WorkerResult.SCHEMA_VERSION, tail(console));
		}
		return result;
	}

	static Path extractWorker(Path directory) throws IOException {
		// The options schema goes next to the worker: the worker checks its options
		// against it and reads from it how each one reaches cibuildwheel.
		extract(OPTIONS_SCHEMA_RESOURCE, directory.resolve("options.schema.json"));
		return extract(WORKER_RESOURCE, directory.resolve("wheelfarm_worker.py"));
	}

	private static Path extract(String resource, Path target) throws IOException {
		try (InputStream in = LocalWorkerRunner.class.getClassLoader().getResourceAsStream(resource)) {
			if (in == null) {
				throw new IOException("the worker's file is missing from the classpath: " + resource);
			}
			Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
		}
		return target;
	}

	private static String tail(Path console) throws IOException {
		if (!Files.isRegularFile(console)) {
			return null;
		}
		// Compilers may print bytes that are not UTF-8: decode leniently.
		String text = new String(Files.readAllBytes(console), StandardCharsets.UTF_8);
		return (text.length() > CONSOLE_TAIL_CHARS) ? text.substring(text.length() - CONSOLE_TAIL_CHARS) : text;
	}

	private static File nullDevice() {
		return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
	}

}
