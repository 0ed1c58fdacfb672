package dev.wheelfarm.e2e.faults;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.dispatch.local.SdistServer;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.testsupport.TestDatabase;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The orchestrator is killed with SIGKILL at each stage of a build's life and started
 * again on the same database and data directory, as a real process each time:
 * <ol>
 * <li>with builds pending and a worker process busy (the cap holds the rest back);</li>
 * <li>with builds succeeded but not yet published: the blob store is made unwritable (a
 * regular file where its directory goes) so that every publication stops between
 * {@code SUCCEEDED} and {@code PUBLISHED}, which the test sees in the ledger before it
 * kills;</li>
 * <li>once more without the obstacle, to let the farm settle.</li>
 * </ol>
 * Then every build has ended exactly once, every wheel is stored once with its bytes, the
 * index lists each once with its hash, no sdist was built twice, no worker process is
 * left, and pip installs the wheels from the index.
 */
class CrashRestartTest {

	@TempDir
	static Path scratch;

	static SdistServer sdists;

	static TestDatabase.Coordinates database;

	static HikariDataSource pool;

	static JdbcClient jdbc;

	static Path dataDir;

	static OrchestratorProcess orchestrator;

	/** Every worker pid seen, so that none outlives the test. */
	static final List<Long> workers = new ArrayList<>();

	/** Each published project's wheel, by project: what the specs name it. */
	static final Map<String, String> EXPECTED_WHEELS = new LinkedHashMap<>();

	static final Map<String, String> SDISTS = new LinkedHashMap<>();

	@BeforeAll
	static void start() throws Exception {
		sdists = new SdistServer();
		database = TestDatabase.freshDatabase().migrate();
		pool = database.pool(2);
		jdbc = JdbcClient.create(pool);
		dataDir = Files.createDirectories(scratch.resolve("data"));
	}

	@AfterAll
	static void stop() {
		if (orchestrator != null) {
			orchestrator.kill();
		}
		// Workers outlive a killed orchestrator by design; the test ends the ones it
		// caused.
		workers.forEach((pid) -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
		if (pool != null) {
			pool.close();
		}
		if (sdists != null) {
			sdists.close();
		}
	}

	@Test
	void killedAtEveryStageTheFarmEndsWithEveryBuildOnceAndEveryWheelOnce() throws Exception {
		// Two gated builds first (the cap of 2 takes them), then three that wait. Each
		// gated build runs until the test opens its gate, so that the stages below
		// happen in this order however slow the machine: the first one's worker ends
		// while no orchestrator runs; the second's is still busy when the next
		// orchestrator takes the build over.
		Path slowOneGate = scratch.resolve("gates/slow-one");
		Path slowTwoGate = scratch.resolve("gates/slow-two");
		enqueue("slow-one", "1.0", Sdists.gated("slow-one", "1.0", slowOneGate));
		enqueue("slow-two", "1.0", Sdists.gated("slow-two", "1.0", slowTwoGate));
		enqueue("quick-one", "1.0", Sdists.pure("quick-one", "1.0"));
		enqueue("quick-two", "1.0", Sdists.pure("quick-two", "1.0"));
		enqueue("needsheader", "1.1", Sdists.MISSING_HEADER);
		EXPECTED_WHEELS.put("slow-one", "slow_one-1.0-py3-none-any.whl");
		EXPECTED_WHEELS.put("slow-two", "slow_two-1.0-py3-none-any.whl");
		EXPECTED_WHEELS.put("quick-one", "quick_one-1.0-py3-none-any.whl");
		EXPECTED_WHEELS.put("quick-two", "quick_two-1.0-py3-none-any.whl");

		// 1. Killed with a worker busy and builds pending.
		orchestrator = OrchestratorProcess.start("crash-1", properties());
		awaitOrFail(() -> running().size() == 2 && count("state = 'PENDING'") > 0, "busy workers and pending builds");
		List<Long> runningAtKill = running();
		String firstOwner = claimedBy("slow-two");
		orchestrator.kill();
		assertThat(count("state = 'PENDING'")).as("builds still pending at the kill").isPositive();

		// The first build's worker finishes while no orchestrator runs.
		long slowOneWorker = workerPid("slow-one").orElseThrow();
		Sdists.open(slowOneGate);
		awaitOrFail(() -> !ProcessHandle.of(slowOneWorker).map(ProcessHandle::isAlive).orElse(false),
				"the end of slow-one's worker");

		// 2. Killed with successes whose publication could not finish.
		Path files = dataDir.resolve("files");
		Path aside = dataDir.resolve("files.aside");
		if (Files.exists(files)) {
			Files.move(files, aside);
		}
		Files.writeString(files, "not a directory: the blob store cannot be written");
		orchestrator = OrchestratorProcess.start("crash-2", properties());
		assertThat(workers).as("a worker of the killed process still running when the next one starts")
			.anyMatch((pid) -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
		// Its worker still busy, the second build is taken over once the dead
		// instance's lease runs out; only then may it finish.
		awaitOrFail(() -> {
			String owner = claimedBy("slow-two");
			return owner != null && !owner.equals(firstOwner);
		}, "the next orchestrator taking slow-two over");
		Sdists.open(slowTwoGate);
		awaitOrFail(
				() -> count("state IN ('PENDING', 'DISPATCHED', 'RUNNING')") == 0 && count("state = 'SUCCEEDED'") > 0,
				"successes waiting for their publication");
		orchestrator.kill();
		long unpublished = count("state = 'SUCCEEDED'");
		assertThat(unpublished).as("successes that were not published at the kill").isPositive();
		assertThat(
				jdbc.sql("SELECT count(*) FROM wheel w JOIN build b ON b.id = w.build_id WHERE b.state = 'SUCCEEDED'")
					.query(Long.class)
					.single())
			.as("wheels listed for unpublished builds")
			.isZero();

		// 3. Restarted without the obstacle: the farm settles.
		Files.delete(files);
		if (Files.exists(aside)) {
			Files.move(aside, files);
		}
		orchestrator = OrchestratorProcess.start("crash-3", properties());
		awaitOrFail(() -> FarmInvariants.settled(jdbc), "every build ended");

		FarmInvariants.assertConsistent(jdbc, dataDir, orchestrator.uri("/"), EXPECTED_WHEELS);
		assertThat(FarmInvariants.builds(jdbc))
			.extracting(FarmInvariants.EndedBuild::project, FarmInvariants.EndedBuild::state,
					FarmInvariants.EndedBuild::failureKind)
			.containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("needsheader", "FAILED", "permanent"),
					org.assertj.core.groups.Tuple.tuple("quick-one", "PUBLISHED", null),
					org.assertj.core.groups.Tuple.tuple("quick-two", "PUBLISHED", null),
					org.assertj.core.groups.Tuple.tuple("slow-one", "PUBLISHED", null),
					org.assertj.core.groups.Tuple.tuple("slow-two", "PUBLISHED", null));
		// No build ran twice: each sdist was fetched by exactly one worker, and the
		// builds whose workers outlived the first process kept their single attempt.
		SDISTS.forEach(
				(project, sdist) -> assertThat(sdists.requestCount(sdist)).as("downloads of %s", sdist).isEqualTo(1));
		assertThat(runningAtKill).allSatisfy((id) -> assertThat(
				jdbc.sql("SELECT attempts FROM build WHERE id = ?").param(id).query(Integer.class).single())
			.as("attempts of build %s, running at the first kill", id)
			.isEqualTo(1));
		assertThat(workers).as("worker processes left running")
			.noneMatch((pid) -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
		try (var left = Files.list(dataDir.resolve("local-runs"))) {
			assertThat(left.toList()).as("scratch directories of runs nobody collected").isEmpty();
		}

		Venv pip = Venv.create(scratch, "venv");
		Venv.Result install = pip.pip(orchestrator.uri("/simple/").toString(), "install", "--only-binary", ":all:",
				"slow-one", "slow-two", "quick-one", "quick-two");
		assertThat(install.exitCode()).as(install.output()).isZero();
		assertThat(
				pip.python("import slow_one, slow_two, quick_one, quick_two; print(slow_one.ANSWER)").output().strip())
			.isEqualTo("42");
		orchestrator.close();
	}

	private static Map<String, String> properties() {
		Map<String, String> properties = OrchestratorProcess.baseProperties(database, dataDir);
		properties.put("wheelfarm.engine", "local");
		properties.put("wheelfarm.local.python", Sdists.PYTHON);
		properties.put("wheelfarm.local.fetch-retries", "0");
		properties.put("wheelfarm.local.offline", "true");
		// The gated builds wait for files this test creates on the host, which the
		// sandbox hides; SandboxedBuildTest and LocalWorkerRunnerTest run sandboxed.
		properties.put("wheelfarm.local.sandbox.mode", "unsandboxed");
		properties.put("wheelfarm.pypi.watch-enabled", "false");
		properties.put("wheelfarm.dispatch.stranded-grace", "1s");
		properties.put("wheelfarm.builds.max-concurrent", "2");
		// A dead instance's claims are taken over once its leases run out.
		properties.put("wheelfarm.builds.lease", "3s");
		return properties;
	}

	private static void enqueue(String name, String version, Map<String, String> files) throws Exception {
		byte[] sdist = Sdists.sdist(scratch, name, version, files);
		String filename = name.replace('-', '_') + "-" + version + ".tar.gz";
		URI url = sdists.publish(filename, sdist, 0);
		SDISTS.put(name, filename);
		OrchestratorProcess.optIn(jdbc, name);
		OrchestratorProcess.enqueue(pool, name, version, filename, url, sdist, "crash-test");
	}

	/**
	 * The builds running now whose worker process is up (its pid recorded in its run
	 * directory); remembers every worker seen.
	 */
	private static List<Long> running() {
		List<Long> running = new ArrayList<>();
		for (Map<String, Object> row : jdbc.sql("SELECT id, request_id FROM build WHERE state = 'RUNNING'")
			.query()
			.listOfRows()) {
			Optional<Long> pid = workerPid(dataDir.resolve("local-runs").resolve((String) row.get("request_id")));
			pid.ifPresent((worker) -> {
				if (!workers.contains(worker)) {
					workers.add(worker);
				}
				running.add(((Number) row.get("id")).longValue());
			});
		}
		return running;
	}

	private static String claimedBy(String project) {
		String owner = jdbc.sql(
				"SELECT coalesce(b.claimed_by, '') FROM build b JOIN project p ON p.id = b.project_id WHERE p.name = ?")
			.param(project)
			.query(String.class)
			.single();
		return owner.isEmpty() ? null : owner;
	}

	/** The worker process of {@code project}'s build, from its run directory. */
	private static Optional<Long> workerPid(String project) {
		String requestId = jdbc
			.sql("SELECT b.request_id FROM build b JOIN project p ON p.id = b.project_id WHERE p.name = ?")
			.param(project)
			.query(String.class)
			.single();
		return workerPid(dataDir.resolve("local-runs").resolve(requestId));
	}

	private static Optional<Long> workerPid(Path runDirectory) {
		try {
			return Optional
				.of(Long.parseLong(Files.readString(runDirectory.resolve("worker.pid")).trim().split(" ")[0]));
		}
		catch (IOException | RuntimeException ex) {
			return Optional.empty();
		}
	}

	private static long count(String condition) {
		return jdbc.sql("SELECT count(*) FROM build WHERE " + condition).query(Long.class).single();
	}

	private static void awaitOrFail(BooleanSupplier condition, String what) {
		// Remember workers as they come, so that none escapes the clean-up.
		orchestrator.await(() -> {
			running();
			return condition.getAsBoolean();
		}, Duration.ofSeconds(120), jdbc, what);
	}

}
