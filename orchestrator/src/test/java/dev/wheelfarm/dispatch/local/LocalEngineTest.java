package dev.wheelfarm.dispatch.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import dev.wheelfarm.dispatch.BuildJob;
import dev.wheelfarm.dispatch.EngineException;
import dev.wheelfarm.dispatch.RunReference;
import dev.wheelfarm.dispatch.RunStatus;
import dev.wheelfarm.dispatch.WorkerResult;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The local engine's contract with the dispatcher, on the real worker: one run per
 * request id, a lost run after a restart, a cancel that kills the build's processes.
 */
class LocalEngineTest {

	@TempDir
	Path temp;

	private SdistServer server;

	private StoppableEngine engine;

	@BeforeEach
	void start() throws Exception {
		this.server = new SdistServer();
		this.engine = engine();
	}

	@AfterEach
	void stop() {
		this.engine.close();
		this.server.close();
	}

	private StoppableEngine engine() {
		ThreadPoolTaskExecutor pool = LocalEngine.pool(2);
		pool.initialize();
		// Unsandboxed and offline: these builds wait at a gate file the test opens, and
		// report their pid in a file the test reads, both on the host, which the sandbox
		// hides (LocalWorkerRunnerTest kills a sandboxed build's tree).
		return new StoppableEngine(new LocalWorkerRunner(
				LocalBuilderProperties.defaults(Sdists.PYTHON).withIndex(true, "").withFetch(0, Duration.ofMillis(10)),
				Duration.ofMinutes(2),
				new LocalSandbox(SandboxProperties.defaults().withMode(SandboxProperties.Mode.UNSANDBOXED, ""),
						java.util.List.of()),
				BuildIndex.fixed("http://127.0.0.1:9/cache/simple/")), this.temp.resolve("runs"), pool);
	}

	/**
	 * An engine with its pool, as the farm wires them: {@link #close()} is what a farm
	 * that stops does to the pool.
	 */
	private static final class StoppableEngine extends LocalEngine implements AutoCloseable {

		private final ThreadPoolTaskExecutor pool;

		StoppableEngine(LocalWorkerRunner runner, Path runsRoot, ThreadPoolTaskExecutor pool) {
			super(runner, runsRoot, pool);
			this.pool = pool;
		}

		@Override
		public void close() {
			this.pool.shutdown();
		}

	}

	private BuildJob job(String requestId, String name, java.util.Map<String, String> files) throws Exception {
		byte[] sdist = Sdists.sdist(this.temp, name, "1.0", files);
		String url = this.server.publish(name + "-1.0.tar.gz", sdist, 0).toString();
		return new BuildJob(requestId, ProjectName.of(name), "1.0", url, Sha256.digest(sdist), "{}");
	}

	@Test
	void aRequestIdIsOneRunAndItsOutputsAreCollectedOnce() throws Exception {
		BuildJob job = job("wf-1-1", "purepkg", Sdists.PURE_SETUPTOOLS);
		RunReference run = this.engine.dispatch(job);
		assertThat(this.engine.dispatch(job)).isEqualTo(run);
		assertThat(this.engine.findRun("wf-1-1")).contains(run);
		RunStatus done = until(run, RunStatus.Phase.COMPLETED);
		assertThat(done.conclusion()).isEqualTo(RunStatus.Conclusion.SUCCESS);
		assertThat(this.server.requestCount("purepkg-1.0.tar.gz")).as("built once").isEqualTo(1);

		Path outputs = Files.createDirectories(this.temp.resolve("collected"));
		this.engine.collect(run, outputs);
		assertThat(WorkerResult.read(outputs.resolve("result.json"))).get()
			.satisfies((result) -> assertThat(result.wheels()).extracting(WorkerResult.Wheel::filename)
				.containsExactly("purepkg-1.0-py3-none-any.whl"));
		assertThat(outputs.resolve("wheels/purepkg-1.0-py3-none-any.whl")).exists();
		assertThat(this.temp.resolve("runs/wf-1-1")).as("the scratch directory is gone").doesNotExist();
		assertThatExceptionOfType(EngineException.class).isThrownBy(() -> this.engine.collect(run, outputs));
	}

	@Test
	void aRunOfAnEarlierProcessIsReportedLost() {
		StoppableEngine restarted = engine();
		try {
			assertThat(restarted.findRun("wf-7-1")).isEmpty();
			RunStatus status = restarted.status(new RunReference("wf-7-1", null));
			assertThat(status.phase()).isEqualTo(RunStatus.Phase.COMPLETED);
			assertThat(status.conclusion()).isEqualTo(RunStatus.Conclusion.CANCELLED);
		}
		finally {
			restarted.close();
		}
	}

	@Test
	void aRunThatFinishedWhileNoOrchestratorWatchedIsCollectedNotRebuilt() throws Exception {
		RunReference run = this.engine.dispatch(job("wf-3-1", "purepkg", Sdists.PURE_SETUPTOOLS));
		assertThat(until(run, RunStatus.Phase.COMPLETED).conclusion()).isEqualTo(RunStatus.Conclusion.SUCCESS);

		// The next orchestrator process knows the run only by its directory.
		StoppableEngine restarted = engine();
		try {
			assertThat(restarted.findRun("wf-3-1")).contains(run);
			RunStatus status = restarted.status(run);
			assertThat(status.conclusion()).isEqualTo(RunStatus.Conclusion.SUCCESS);
			Path outputs = Files.createDirectories(this.temp.resolve("collected"));
			restarted.collect(run, outputs);
			assertThat(outputs.resolve("wheels/purepkg-1.0-py3-none-any.whl")).exists();
			assertThat(this.server.requestCount("purepkg-1.0.tar.gz")).as("built once").isEqualTo(1);
		}
		finally {
			restarted.close();
		}
	}

	@Test
	void aWorkerThatOutlivedItsOrchestratorIsWaitedForAndItsWheelKept() throws Exception {
		Path gate = this.temp.resolve("gate-slowpkg");
		RunReference run = this.engine.dispatch(job("wf-4-1", "slowpkg", Sdists.gated("slowpkg", "1.0", gate)));
		Path pidFile = this.temp.resolve("runs/wf-4-1/" + LocalWorkerRunner.PID_FILE);
		awaitFile(pidFile);
		long worker = Long.parseLong(Files.readString(pidFile).trim().split(" ")[0]);

		StoppableEngine restarted = engine();
		try {
			RunStatus running = restarted.status(run);
			assertThat(running.phase()).isEqualTo(RunStatus.Phase.RUNNING);
			Sdists.open(gate);
			await().atMost(Duration.ofSeconds(120))
				.until(() -> restarted.status(run).phase() == RunStatus.Phase.COMPLETED);
			assertThat(restarted.status(run).conclusion()).isEqualTo(RunStatus.Conclusion.SUCCESS);
			assertThat(ProcessHandle.of(worker).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
			Path outputs = Files.createDirectories(this.temp.resolve("collected"));
			restarted.collect(run, outputs);
			assertThat(WorkerResult.read(outputs.resolve("result.json"))).get()
				.satisfies((result) -> assertThat(result.wheels()).extracting(WorkerResult.Wheel::filename)
					.containsExactly("slowpkg-1.0-py3-none-any.whl"));
			assertThat(this.server.requestCount("slowpkg-1.0.tar.gz")).as("built once").isEqualTo(1);
		}
		finally {
			restarted.close();
		}
	}

	@Test
	void anAdoptedRunCanBeCancelledAndARunWithoutWorkerOrResultIsLost() throws Exception {
		Path pidFile = this.temp.resolve("pid");
		RunReference run = this.engine.dispatch(job("wf-5-1", "hangs", Sdists.hanging(pidFile)));
		awaitFile(pidFile);
		long build = Long.parseLong(Files.readString(pidFile).trim());

		StoppableEngine restarted = engine();
		try {
			assertThat(restarted.status(run).phase()).isEqualTo(RunStatus.Phase.RUNNING);
			restarted.cancel(run);
			awaitGone(build);
			assertThat(ProcessHandle.of(build).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
		}
		finally {
			restarted.close();
		}
		// Killed with everything it started, it left no result: a third process finds
		// nothing to adopt, and the scratch directory goes.
		StoppableEngine third = engine();
		try {
			await().atMost(Duration.ofSeconds(15))
				.until(() -> this.engine.status(run).phase() == RunStatus.Phase.COMPLETED);
			assertThat(third.status(run).conclusion()).isEqualTo(RunStatus.Conclusion.CANCELLED);
			assertThat(this.temp.resolve("runs/wf-5-1")).doesNotExist();
		}
		finally {
			third.close();
		}
	}

	@Test
	void aFarmThatStopsEndsTheBuildsItRuns() throws Exception {
		Path pidFile = this.temp.resolve("pid");
		RunReference run = this.engine.dispatch(job("wf-6-1", "hangs", Sdists.hanging(pidFile)));
		awaitFile(pidFile);
		assertThat(this.engine.status(run).phase()).isEqualTo(RunStatus.Phase.RUNNING);
		long build = Long.parseLong(Files.readString(pidFile).trim());

		// The pool's shutdown returns once the interrupted wait has killed the tree.
		this.engine.close();
		assertThat(ProcessHandle.of(build).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
	}

	private static void awaitFile(Path file) {
		await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(file));
	}

	/** SIGKILL is asynchronous: the process may take a moment to be reaped. */
	private static void awaitGone(long pid) {
		await().atMost(Duration.ofSeconds(15))
			.until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
	}

	@Test
	void cancellingARunKillsItsBuild() throws Exception {
		Path pidFile = this.temp.resolve("pid");
		RunReference run = this.engine.dispatch(job("wf-2-1", "hangs", Sdists.hanging(pidFile)));
		awaitFile(pidFile);
		assertThat(this.engine.status(run).phase()).isEqualTo(RunStatus.Phase.RUNNING);
		long pid = Long.parseLong(Files.readString(pidFile).trim());

		this.engine.cancel(run);
		assertThat(until(run, RunStatus.Phase.COMPLETED).conclusion()).isEqualTo(RunStatus.Conclusion.CANCELLED);
		awaitGone(pid);
		assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
	}

	private RunStatus until(RunReference run, RunStatus.Phase phase) {
		return await().atMost(Duration.ofSeconds(120))
			.until(() -> this.engine.status(run), (status) -> status.phase() == phase);
	}

}
