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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import dev.wheelfarm.dispatch.BuildEngine;
import dev.wheelfarm.dispatch.BuildJob;
import dev.wheelfarm.dispatch.EngineException;
import dev.wheelfarm.dispatch.RunReference;
import dev.wheelfarm.dispatch.RunStatus;
import dev.wheelfarm.dispatch.RunStatus.Conclusion;
import dev.wheelfarm.dispatch.RunStatus.Phase;

/**
 * Builds on this machine: each run is the worker in a process of its own, on a bounded
 * pool of threads. Runs live in this process only, so after a restart a run the ledger
 * still watches is reported as lost (cancelled), which the dispatcher retries.
 */
public class LocalEngine implements BuildEngine, AutoCloseable {

	private final LocalWorkerRunner runner;

	private final Path runsRoot;

	private final ExecutorService pool;

	private final Map<String, LocalRun> runs = new ConcurrentHashMap<>();

	/**
	 * @param runner runs the worker
	 * @param runsRoot where each run gets a scratch directory, removed once collected
	 * @param parallelRuns how many workers may run at once
	 */
	public LocalEngine(LocalWorkerRunner runner, Path runsRoot, int parallelRuns) {
		this.runner = runner;
		this.runsRoot = runsRoot;
		this.pool = Executors.newFixedThreadPool(parallelRuns, (task) -> {
			Thread thread = new Thread(task, "local-build");
			thread.setDaemon(true);
			return thread;
		});
	}

	@Override
	public String name() {
		return "local";
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
		return this.runs.containsKey(requestId) ? Optional.of(new RunReference(requestId, null)) : Optional.empty();
	}

	@Override
	public RunStatus status(RunReference reference) {
		LocalRun run = this.runs.get(reference.id());
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
		LocalRun run = this.runs.get(reference.id());
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
		}
	}

	@Override
	public void close() {
		this.pool.shutdownNow();
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

		LocalRun(Path directory) {
			this.directory = directory;
		}

	}

}
