package dev.wheelfarm.dispatch.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The local engine's contract with the dispatcher, on the real worker: one run per
 * request id, a lost run after a restart, a cancel that kills the build's processes.
 */
class LocalEngineTest {

	@TempDir
	Path temp;

	private SdistServer server;

	private LocalEngine engine;

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

	private LocalEngine engine() {
		return new LocalEngine(new LocalWorkerRunner(
				LocalBuilderProperties.defaults(Sdists.PYTHON).withFetch(0, Duration.ofMillis(10)),
				Duration.ofMinutes(2)), this.temp.resolve("runs"), 2);
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
		LocalEngine restarted = engine();
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
		LocalEngine restarted = engine();
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
		RunReference run = this.engine.dispatch(job("wf-4-1", "slowpkg", Sdists.slow("slowpkg", "1.0", 3)));
		Path pidFile = this.temp.resolve("runs/wf-4-1/" + LocalWorkerRunner.PID_FILE);
		awaitFile(pidFile);
		long worker = Long.parseLong(Files.readString(pidFile).trim().split(" ")[0]);

		LocalEngine restarted = engine();
		try {
			RunStatus running = restarted.status(run);
			assertThat(running.phase()).isEqualTo(RunStatus.Phase.RUNNING);
			Instant deadline = Instant.now().plusSeconds(120);
			while (restarted.status(run).phase() != RunStatus.Phase.COMPLETED && Instant.now().isBefore(deadline)) {
				Thread.sleep(100);
			}
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

		LocalEngine restarted = engine();
		try {
			assertThat(restarted.status(run).phase()).isEqualTo(RunStatus.Phase.RUNNING);
			restarted.cancel(run);
			Instant gone = Instant.now().plusSeconds(15);
			while (ProcessHandle.of(build).map(ProcessHandle::isAlive).orElse(false) && Instant.now().isBefore(gone)) {
				Thread.sleep(100);
			}
			assertThat(ProcessHandle.of(build).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
		}
		finally {
			restarted.close();
		}
		// Killed with everything it started, it left no result: a third process finds
		// nothing to adopt, and the scratch directory goes.
		LocalEngine third = engine();
		try {
			Instant deadline = Instant.now().plusSeconds(15);
			while (this.engine.status(run).phase() != RunStatus.Phase.COMPLETED && Instant.now().isBefore(deadline)) {
				Thread.sleep(100);
			}
			assertThat(third.status(run).conclusion()).isEqualTo(RunStatus.Conclusion.CANCELLED);
			assertThat(this.temp.resolve("runs/wf-5-1")).doesNotExist();
		}
		finally {
			third.close();
		}
	}

	private static void awaitFile(Path file) throws InterruptedException {
		Instant deadline = Instant.now().plusSeconds(60);
		while (!Files.exists(file) && Instant.now().isBefore(deadline)) {
			Thread.sleep(50);
		}
		assertThat(file).exists();
	}

	@Test
	void cancellingARunKillsItsBuild() throws Exception {
		Path pidFile = this.temp.resolve("pid");
		RunReference run = this.engine.dispatch(job("wf-2-1", "hangs", Sdists.hanging(pidFile)));
		Instant deadline = Instant.now().plusSeconds(60);
		while (!Files.exists(pidFile) && Instant.now().isBefore(deadline)) {
			Thread.sleep(100);
		}
		assertThat(this.engine.status(run).phase()).isEqualTo(RunStatus.Phase.RUNNING);
		long pid = Long.parseLong(Files.readString(pidFile).trim());

		this.engine.cancel(run);
		assertThat(until(run, RunStatus.Phase.COMPLETED).conclusion()).isEqualTo(RunStatus.Conclusion.CANCELLED);
		Instant gone = Instant.now().plusSeconds(15);
		while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && Instant.now().isBefore(gone)) {
			Thread.sleep(100);
		}
		assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
	}

	private RunStatus until(RunReference run, RunStatus.Phase phase) throws InterruptedException {
		Instant deadline = Instant.now().plusSeconds(120);
		RunStatus status = this.engine.status(run);
		while (status.phase() != phase && Instant.now().isBefore(deadline)) {
			Thread.sleep(100);
			status = this.engine.status(run);
		}
		return status;
	}

}
