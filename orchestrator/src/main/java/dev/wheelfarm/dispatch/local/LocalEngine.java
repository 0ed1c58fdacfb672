package dev.wheelfarm.dispatch.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.wheelfarm.dispatch.BuildEngine;
import dev.wheelfarm.dispatch.BuildJob;
import dev.wheelfarm.dispatch.EngineException;
import dev.wheelfarm.dispatch.RunReference;
import dev.wheelfarm.dispatch.RunStatus;
import dev.wheelfarm.dispatch.RunStatus.Conclusion;
import dev.wheelfarm.dispatch.RunStatus.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Builds on this machine: each run is the worker in a process of its own, on a bounded
 * pool of threads, in {@code <runs root>/<request id>/}.
 * <p>
 * A {@code kill -9} of the orchestrator does not end its workers: they finish and leave
 * their {@code result.json} on disk. A later orchestrator asked about such a run (by the
 * ledger, which still watches it) adopts it from its directory: a worker still running is
 * waited for, a finished one is collected, so its work is neither lost nor done twice.
 * Only a run that left neither a live worker nor a result (the whole process tree was
 * killed) reads as lost (cancelled), which the dispatcher retries.
 * <p>
 * A farm that stops normally ends its builds: the pool's shutdown interrupts each waiting
 * thread, which kills its worker's process tree (see {@link #pool(int)}).
 */
public class LocalEngine implements BuildEngine {

	private final LocalWorkerRunner runner;

	private final Path runsRoot;

	private final AsyncTaskExecutor pool;

	private static final Logger logger = LoggerFactory.getLogger(LocalEngine.class);

	/**
	 * What {@link WorkerInvocation} accepts as a request id: safe as a directory name.
	 */
	private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

	private final Map<String, LocalRun> runs = new ConcurrentHashMap<>();

	private final Supplier<Optional<String>> cibuildwheelCheck;

	/**
	 * @param runner runs the worker
	 * @param runsRoot where each run gets a scratch directory, removed once collected
	 * @param pool where each run waits for its worker, e.g. {@link #pool(int)}
	 */
	public LocalEngine(LocalWorkerRunner runner, Path runsRoot, AsyncTaskExecutor pool) {
		this.runner = runner;
		this.runsRoot = runsRoot;
		this.cibuildwheelCheck = memoized(() -> runner.cibuildwheelUnavailable(runsRoot.resolve(".check")));
		this.pool = pool;
	}

	/**
	 * The threads that wait for local workers, {@code parallelRuns} of them: the bound on
	 * builds running at once, the rest queued. Its shutdown interrupts the waiting
	 * threads, which kill their workers' process trees, and waits a little for them to
	 * have done so; a queued run is dropped (the ledger re-dispatches it). It shuts down
	 * when its bean is destroyed, not at the context's first close signal, so that the
	 * dispatcher's last round can still hand it a run, as before the pool was a bean.
	 * @param parallelRuns how many workers may run at once
	 * @return the pool, to initialize (Spring does, for a bean) and shut down
	 */
	public static ThreadPoolTaskExecutor pool(int parallelRuns) {
		ThreadPoolTaskExecutor pool = new ThreadPoolTaskExecutor();
		pool.setCorePoolSize(parallelRuns);
		pool.setMaxPoolSize(parallelRuns);
		pool.setThreadNamePrefix("local-build-");
		// A worker's wait must never keep the JVM alive on its own.
		pool.setDaemon(true);
		pool.setWaitForTasksToCompleteOnShutdown(false);
		pool.setAcceptTasksAfterContextClose(true);
		pool.setAwaitTerminationSeconds(10);
		return pool;
	}

	@Override
	public String name() {
		return "local";
	}

	/**
	 * Why this machine's builds do not run cibuildwheel (so only the settings
	 * {@code python -m build} takes apply), or empty when they run it. Checked once, by
	 * the worker, the first time it is asked: the answer only changes when the operator
	 * installs or removes cibuildwheel or a container engine, which a restart picks up.
	 */
	public Optional<String> cibuildwheelUnavailable() {
		return this.cibuildwheelCheck.get();
	}

	@Override
	public RunReference dispatch(BuildJob job) throws EngineException {
		WorkerInvocation invocation;
		try {
			invocation = new WorkerInvocation(job.requestId(), job.project().value(), job.version(),
					URI.create(job.sdistUrl()), job.sdistSha256().hex(), job.options());
		}
		catch (IllegalArgumentException ex) {
			throw new EngineException("the job's inputs are not valid: " + ex.getMessage(), false, ex);
		}
		// One run per request id, however often it is dispatched.
		this.runs.computeIfAbsent(job.requestId(), (id) -> {
			LocalRun run = new LocalRun(this.runsRoot.resolve(id));
			run.future = this.pool.submit(() -> {
				run.started.set(true);
				return this.runner.run(invocation, run.directory);
			});
			return run;
		});
		return new RunReference(job.requestId(), null);
	}

	@Override
	public Optional<RunReference> findRun(String requestId) {
		return (known(requestId) != null) ? Optional.of(new RunReference(requestId, null)) : Optional.empty();
	}

	@Override
	public RunStatus status(RunReference reference) {
		LocalRun run = known(reference.id());
		if (run == null) {
			return new RunStatus(Phase.COMPLETED, Conclusion.CANCELLED,
					"the run was lost with an earlier orchestrator process");
		}
		if (!run.future.isDone()) {
			return run.started.get() ? new RunStatus(Phase.RUNNING, null, "the worker is running")
					: new RunStatus(Phase.QUEUED, null, "waiting for a free local build slot");
		}
		if (run.future.isCancelled()) {
			return new RunStatus(Phase.COMPLETED, Conclusion.CANCELLED, "the run was cancelled");
		}
		return new RunStatus(Phase.COMPLETED, Conclusion.SUCCESS, "the worker finished");
	}

	@Override
	public void collect(RunReference reference, Path directory) throws EngineException {
		LocalRun run = known(reference.id());
		if (run == null || !run.future.isDone()) {
			throw new EngineException("run " + reference.id() + " has nothing to collect", false);
		}
		WorkerRun finished;
		try {
			finished = run.future.get();
		}
		catch (CancellationException | ExecutionException ex) {
			throw new EngineException("run " + reference.id() + " did not finish: " + ex.getMessage(), false, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new EngineException("interrupted while collecting " + reference.id(), true, ex);
		}
		try {
			copyTree(finished.outputDirectory(), directory);
			Path result = directory.resolve("result.json");
			if (!Files.exists(result)) {
				// The runner had to speak for a worker that wrote nothing (killed on
				// timeout).
				finished.result().write(result);
			}
			deleteTree(run.directory);
		}
		catch (IOException ex) {
			throw new EngineException("cannot collect run " + reference.id() + ": " + ex.getMessage(), false, ex);
		}
		this.runs.remove(reference.id());
	}

	@Override
	public void cancel(RunReference reference) {
		LocalRun run = this.runs.get(reference.id());
		if (run != null) {
			// Interrupting the waiting thread makes the runner kill the worker's process
			// tree.
			run.future.cancel(true);
			if (run.adoptedWorker != null) {
				// An adopted worker's wait may not have started yet: end it here too.
				LocalWorkerRunner.destroyTree(run.adoptedWorker);
			}
		}
	}

	private static <T> Supplier<T> memoized(Supplier<T> supplier) {
		AtomicReference<T> value = new AtomicReference<>();
		return () -> {
			T known = value.get();
			if (known == null) {
				known = supplier.get();
				value.compareAndSet(null, known);
			}
			return value.get();
		};
	}

	/** The run with this id: one of this process, or one adopted from its directory. */
	private LocalRun known(String requestId) {
		return this.runs.computeIfAbsent(requestId, this::adopt);
	}

	/**
	 * A run an earlier orchestrator process started, from what it left in its directory;
	 * {@code null} when nothing worth keeping is there.
	 */
	private LocalRun adopt(String requestId) {
		if (!REQUEST_ID.matcher(requestId).matches()) {
			return null;
		}
		Path directory = this.runsRoot.resolve(requestId);
		if (!Files.isDirectory(directory)) {
			return null;
		}
		Optional<ProcessHandle> worker = this.runner.liveWorker(directory);
		LocalRun run = new LocalRun(directory);
		run.started.set(true);
		if (worker.isPresent()) {
			logger.info("Run {}: its worker (pid {}) outlived an earlier orchestrator process; waiting for it",
					requestId, worker.get().pid());
			run.adoptedWorker = worker.get();
			run.future = this.pool.submit(() -> this.runner.adopt(worker.get(), directory));
			return run;
		}
		if (Files.isRegularFile(directory.resolve("out").resolve("result.json"))) {
			logger.info("Run {}: its worker finished while no orchestrator watched it; collecting its result",
					requestId);
			run.future = CompletableFuture.completedFuture(this.runner.ended(directory));
			return run;
		}
		logger.info("Run {}: its worker died without a result; the run is lost", requestId);
		try {
			deleteTree(directory);
		}
		catch (IOException | UncheckedIOException ex) {
			logger.warn("Run {}: cannot remove {}: {}", requestId, directory, ex.getMessage());
		}
		return null;
	}

	private static void copyTree(Path from, Path to) throws IOException {
		try (Stream<Path> paths = Files.walk(from)) {
			for (Path source : paths.toList()) {
				Path target = to.resolve(from.relativize(source).toString());
				if (Files.isDirectory(source)) {
					Files.createDirectories(target);
				}
				else if (Files.isRegularFile(source, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
					Files.copy(source, target);
				}
			}
		}
	}

	private static void deleteTree(Path directory) throws IOException {
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(directory)) {
			for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(path);
			}
		}
		catch (UncheckedIOException ex) {
			throw ex.getCause();
		}
	}

	private static final class LocalRun {

		final Path directory;

		final AtomicBoolean started = new AtomicBoolean();

		volatile Future<WorkerRun> future;

		/** The worker of an earlier orchestrator process, when this run was adopted. */
		volatile ProcessHandle adoptedWorker;

		LocalRun(Path directory) {
			this.directory = directory;
		}

	}

}
