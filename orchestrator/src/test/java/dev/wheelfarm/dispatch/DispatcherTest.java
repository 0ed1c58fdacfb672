package dev.wheelfarm.dispatch;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.builds.Build;
import dev.wheelfarm.builds.BuildCandidate;
import dev.wheelfarm.builds.BuildEvent;
import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.BuildLogs;
import dev.wheelfarm.builds.BuildState;
import dev.wheelfarm.builds.BuildSucceeded;
import dev.wheelfarm.builds.BuildsProperties;
import dev.wheelfarm.builds.FailureKind;
import dev.wheelfarm.builds.RecipeFingerprint;
import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.MutableClock;
import dev.wheelfarm.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dispatcher's rules, round by round, over a real ledger and a scripted engine.
 */
class DispatcherTest {

	private static final byte[] WHEEL = "not really a zip, the index verifies contents"
		.getBytes(StandardCharsets.UTF_8);

	private static final String WHEEL_NAME = "demo_pkg-1.0-py3-none-any.whl";

	@TempDir
	Path dataDir;

	private HikariDataSource dataSource;

	private JdbcClient jdbc;

	private BuildLedger ledger;

	private final ScriptedEngine engine = new ScriptedEngine();

	private final List<Object> events = new ArrayList<>();

	// Leases, retry delays, refusal limits and run limits pass when the test moves this
	// clock.
	private final MutableClock clock = MutableClock.startingNow();

	private static final Duration LEASE = Duration.ofMillis(300);

	private long buildId;

	@BeforeEach
	void setUp() {
		this.dataSource = TestDatabase.freshDatabase().migrate().pool(4);
		this.jdbc = JdbcClient.create(this.dataSource);
		this.ledger = new BuildLedger(this.jdbc,
				new TransactionTemplate(new DataSourceTransactionManager(this.dataSource)),
				new BuildsProperties(3, Duration.ofMillis(1), Duration.ofMillis(1), LEASE, 4, 3), this.clock);
		this.jdbc.sql("INSERT INTO project (name, display_name) VALUES ('demo-pkg', 'demo-pkg')").update();
		this.buildId = this.ledger
			.enqueue(new BuildCandidate(ProjectName.of("demo-pkg"), "1.0", "demo_pkg-1.0.tar.gz",
					"https://files.example/demo_pkg-1.0.tar.gz", Sha256.of("e".repeat(64)),
					BuildCandidate.Origin.WATCHER), RecipeFingerprint.of(Map.of("worker", "1")))
			.id();
	}

	@AfterEach
	void tearDown() {
		this.dataSource.close();
	}

	private Dispatcher dispatcher(String name, Duration runTimeout) {
		return dispatcher(name, runTimeout, this.dataDir);
	}

	private Dispatcher dispatcher(String name, Duration runTimeout, Path dataDirectory) {
		return new Dispatcher(this.ledger, new BuildLogs(this.jdbc), this.engine,
				new BuildOutputs(new DataDirectoryProperties(dataDirectory)), this.events::add,
				new DispatchProperties(true, Duration.ofSeconds(1), 10, runTimeout, Duration.ofMillis(1), name),
				this.clock);
	}

	private Dispatcher dispatcher() {
		return dispatcher("instance-a", Duration.ofHours(1));
	}

	private Build build() {
		return this.ledger.find(this.buildId).orElseThrow();
	}

	@Test
	void aSuccessfulRunEndsWithVerifiedWheelsAndOneEvent() {
		this.engine.nextRuns
			.add(ScriptedEngine.Run.succeeding().withPureWheel(WHEEL_NAME, WHEEL, ScriptedEngine.Run.sha(WHEEL)));
		Dispatcher dispatcher = dispatcher();
		dispatcher.round();
		assertThat(build().state()).isEqualTo(BuildState.RUNNING);
		assertThat(build().externalRunId()).isEqualTo("run-1");
		assertThat(this.engine.dispatched).singleElement()
			.satisfies((job) -> assertThat(job.requestId()).isEqualTo("wf-" + this.buildId + "-1"));

		dispatcher.round();
		assertThat(build().state()).isEqualTo(BuildState.SUCCEEDED);
		assertThat(build().strategy()).isEqualTo("pure");
		assertThat(this.events).singleElement().isInstanceOfSatisfying(BuildSucceeded.class, (event) -> {
			assertThat(event.buildId()).isEqualTo(this.buildId);
			assertThat(event.wheels()).singleElement().satisfies((wheel) -> {
				assertThat(wheel.filename()).isEqualTo(WHEEL_NAME);
				assertThat(wheel.sha256()).isEqualTo(Sha256.digest(WHEEL));
				assertThat(wheel.size()).isEqualTo(WHEEL.length);
			});
		});
		dispatcher.round();
		assertThat(this.engine.dispatched).as("nothing is built twice").hasSize(1);
		assertThat(this.events).hasSize(1);
	}

	@Test
	void aSuccessWhosePublicationWasLostIsOfferedAgainUntilTheIndexTakesOrRefusesIt() {
		this.engine.nextRuns.add(ScriptedEngine.Run.ending(RunStatus.Conclusion.SUCCESS)
			.withPureWheel(WHEEL_NAME, WHEEL, ScriptedEngine.Run.sha(WHEEL)));
		Dispatcher dispatcher = dispatcher();
		dispatcher.round();
		assertThat(build().state()).isEqualTo(BuildState.SUCCEEDED);
		// The process died before the index stored the wheels: the event is gone.
		this.events.clear();
		dispatcher.round();
		assertThat(this.events).as("not within the grace period").isEmpty();

		this.jdbc.sql("UPDATE build SET updated_at = now() - interval '5 minutes' WHERE id = ?")
			.param(this.buildId)
			.update();
		dispatcher.round();
		assertThat(this.events).singleElement().isInstanceOfSatisfying(BuildSucceeded.class, (event) -> {
			assertThat(event.buildId()).isEqualTo(this.buildId);
			assertThat(event.wheels()).extracting(BuildSucceeded.BuiltWheel::sha256)
				.containsExactly(Sha256.digest(WHEEL));
		});
		assertThat(this.engine.dispatched).as("republished, not rebuilt").hasSize(1);

		this.jdbc.sql("INSERT INTO wheel_rejection (build_id, filename, reason) VALUES (?, ?, 'RECORD mismatch')")
			.params(this.buildId, WHEEL_NAME)
			.update();
		this.events.clear();
		dispatcher.round();
		assertThat(this.events).as("a refused build is not offered again").isEmpty();
	}

	@Test
	void aSuccessCollectedByADeadReplicaIsCollectedAgainFromTheEngineByAnother() {
		Path otherDisk = succeededOnADeadReplica();
		Dispatcher replicaB = dispatcher("instance-b", Duration.ofHours(1), otherDisk);
		replicaB.round();
		assertThat(this.events).as("not within the grace period").isEmpty();
		// One grace is the time of the replica that holds the outputs, if it lives.
		succeededMinutesAgo(3);
		replicaB.round();
		assertThat(this.events).as("not within two graces").isEmpty();
		assertThat(otherDisk).doesNotExist();

		agePastGrace();
		replicaB.round();
		assertThat(this.events).singleElement().isInstanceOfSatisfying(BuildSucceeded.class, (event) -> {
			assertThat(event.buildId()).isEqualTo(this.buildId);
			assertThat(event.wheels()).singleElement().satisfies((wheel) -> {
				assertThat(wheel.sha256()).isEqualTo(Sha256.digest(WHEEL));
				assertThat(wheel.path()).startsWith(otherDisk);
			});
		});
		assertThat(this.engine.dispatched).as("collected again, not rebuilt").hasSize(1);
	}

	@Test
	void anOfferThatFailsSaysWhyAndWaitsAnotherGrace() {
		Path otherDisk = succeededOnADeadReplica();
		// What the engine hands out does not hold up (not what the run declared).
		this.engine.runs.get("run-1").outputs.put(WHEEL_NAME, "other bytes".getBytes(StandardCharsets.UTF_8));
		Dispatcher replicaB = dispatcher("instance-b", Duration.ofHours(1), otherDisk);
		agePastGrace();
		replicaB.round();
		assertThat(this.events).isEmpty();
		assertThat(build().state()).isEqualTo(BuildState.SUCCEEDED);
		assertThat(build().reason()).startsWith("not published yet: its outputs no longer hold up")
			.contains(WHEEL_NAME);
		assertThat(this.jdbc.sql("SELECT updated_at > now() - interval '1 minute' FROM build WHERE id = ?")
			.param(this.buildId)
			.query(Boolean.class)
			.single()).as("the grace starts again").isTrue();
		assertThat(this.ledger.stranded(Duration.ofMinutes(1))).as("not offered again within it").isEmpty();
	}

	/**
	 * Replica A's run succeeds and A dies before the index stored the wheels: its outputs
	 * stay on its disk. Returns another replica's data directory.
	 */
	private Path succeededOnADeadReplica() {
		this.engine.nextRuns.add(ScriptedEngine.Run.ending(RunStatus.Conclusion.SUCCESS)
			.withPureWheel(WHEEL_NAME, WHEEL, ScriptedEngine.Run.sha(WHEEL)));
		dispatcher().round();
		assertThat(build().state()).isEqualTo(BuildState.SUCCEEDED);
		this.events.clear();
		return this.dataDir.resolve("replica-b");
	}

	/** Past twice the default grace of 2 min. */
	private void agePastGrace() {
		succeededMinutesAgo(5);
	}

	private void succeededMinutesAgo(int minutes) {
		this.jdbc.sql("UPDATE build SET updated_at = now() - ? * interval '1 minute' WHERE id = ?")
			.params(minutes, this.buildId)
			.update();
	}

	@Test
	void aDispatchThatWasNeverRecordedIsFoundInsteadOfRepeated() throws Exception {
		// An instance claimed the build, dispatched it, and died before recording the
		// dispatch.
		Build claimed = this.ledger.claim("dead-instance", 1).get(0);
		this.engine.dispatch(new BuildJob(claimed.requestId(), ProjectName.of("demo-pkg"), "1.0", claimed.sdistUrl(),
				Sha256.of(claimed.sdistSha256()), "{}"));
		this.clock.advance(LEASE); // its lease runs out

		dispatcher("instance-b", Duration.ofHours(1)).round();
		assertThat(this.engine.dispatched).as("not dispatched a second time").hasSize(1);
		assertThat(build().externalRunId()).isEqualTo("run-1");
		assertThat(build().claimedBy()).isEqualTo("instance-b");
		assertThat(build().state()).isIn(BuildState.RUNNING, BuildState.SUCCEEDED);
	}

	@Test
	void anUnavailableEngineLeavesTheBuildQueuedWithoutSpendingAnAttempt() {
		this.engine.dispatchFailures.add(new EngineException("502 Bad Gateway", true));
		Dispatcher dispatcher = dispatcher();
		dispatcher.round();
		Build waiting = build();
		assertThat(waiting.state()).isEqualTo(BuildState.PENDING);
		assertThat(waiting.claimedBy()).isNull();
		assertThat(waiting.attempts()).isZero();
		assertThat(waiting.reason()).contains("502 Bad Gateway");

		this.clock.advance(Duration.ofMillis(1)); // the engine-retry-delay
		dispatcher.round();
		assertThat(build().state()).isEqualTo(BuildState.RUNNING);
		assertThat(this.engine.dispatched).hasSize(1);
	}

	@Test
	void aClaimLeftByAnEarlierLifeOfTheSameInstanceIsNotKeptAliveForever() {
		// The instance claimed the build and died before dispatching it; it comes back
		// under the same configured name.
		assertThat(this.ledger.claim("instance-a", 1)).hasSize(1);
		Dispatcher restarted = dispatcher();
		Instant deadline = this.clock.instant().plusSeconds(10);
		while (build().state() == BuildState.PENDING && this.clock.instant().isBefore(deadline)) {
			restarted.round();
			this.clock.advance(Duration.ofMillis(50));
		}
		assertThat(build().state()).as("dispatched once the stale claim's lease ran out")
			.isIn(BuildState.DISPATCHED, BuildState.RUNNING, BuildState.SUCCEEDED);
		assertThat(this.engine.dispatched).hasSize(1);
	}

	@Test
	void aDispatchWhoseAnswerWasLostIsFoundNotRepeated() {
		this.engine.lostAnswers.add(new EngineException("request timed out", true));
		Dispatcher dispatcher = dispatcher();
		dispatcher.round();
		assertThat(build().state()).isEqualTo(BuildState.PENDING);
		assertThat(build().attempts()).as("a refusal spends no attempt").isZero();

		this.clock.advance(Duration.ofMillis(1)); // the engine-retry-delay
		dispatcher.round();
		assertThat(this.engine.dispatched).as("the run the lost answer started is adopted, not repeated").hasSize(1);
		assertThat(build().externalRunId()).isEqualTo("run-1");
		assertThat(build().state()).isIn(BuildState.DISPATCHED, BuildState.RUNNING, BuildState.SUCCEEDED);
	}

	@Test
	void aRefusalWaitsAsLongAsTheEngineAsked() {
		this.engine.dispatchFailures
			.add(new EngineException("GitHub rate limit: HTTP 429", Duration.ofMinutes(10), null));
		dispatcher().round();
		Build waiting = build();
		assertThat(waiting.state()).isEqualTo(BuildState.PENDING);
		assertThat(waiting.attempts()).isZero();
		assertThat(waiting.nextAttemptAt()).as("Retry-After, not the 1 ms engine-retry-delay")
			.isAfter(this.clock.instant().plus(Duration.ofMinutes(9)));
	}

	@Test
	void aPermanentOutageEndsTheBuildAfterItsAttemptsNotNever() {
		for (int i = 0; i < 1000; i++) {
			this.engine.dispatchFailures.add(new EngineException("HTTP 500 Internal Server Error", true));
		}
		Dispatcher dispatcher = new Dispatcher(this.ledger, new BuildLogs(this.jdbc), this.engine,
				new BuildOutputs(new DataDirectoryProperties(this.dataDir)), this.events::add,
				new DispatchProperties(true, Duration.ofSeconds(1), 10, Duration.ofHours(1), Duration.ofMillis(1),
						"instance-a", Duration.ofMinutes(2), Duration.ofMillis(40)),
				this.clock);
		dispatcher.round();
		assertThat(build().state()).as("a short outage costs no attempt").isEqualTo(BuildState.PENDING);
		assertThat(build().attempts()).isZero();
		Instant deadline = this.clock.instant().plusSeconds(30);
		while (build().state() != BuildState.FAILED && this.clock.instant().isBefore(deadline)) {
			this.clock.advance(Duration.ofMillis(10));
			dispatcher.round();
		}
		Build failed = build();
		assertThat(failed.state()).isEqualTo(BuildState.FAILED);
		assertThat(failed.failureKind()).isEqualTo(FailureKind.TRANSIENT);
		assertThat(failed.failureClass()).isEqualTo("builder-unavailable");
		assertThat(failed.attempts()).as("wheelfarm.builds.max-attempts").isEqualTo(3);
		assertThat(failed.reason()).contains("HTTP 500", "engine-outage-limit", "gave up after 3 attempts");
		assertThat(this.engine.dispatched).isEmpty();
		assertThat(this.ledger.engineRefusedFor(this.buildId)).isEmpty();
	}

	@Test
	void aStatusTheEngineCannotGiveChangesNothing() {
		Dispatcher dispatcher = dispatcher();
		this.engine.nextRuns
			.add(ScriptedEngine.Run.succeeding().withPureWheel(WHEEL_NAME, WHEEL, ScriptedEngine.Run.sha(WHEEL)));
		this.engine.statusFailures.add(new EngineException("timed out", true));
		dispatcher.round();
		assertThat(build().state()).as("the ledger never claims a state it did not see")
			.isEqualTo(BuildState.DISPATCHED);
		dispatcher.round();
		dispatcher.round();
		assertThat(build().state()).isEqualTo(BuildState.SUCCEEDED);
	}

	@Test
	void aPermanentWorkerFailureIsRememberedWithItsLog() {
		this.engine.nextRuns
			.add(ScriptedEngine.Run.ending(RunStatus.Conclusion.SUCCESS).withFailure("compile-error", "gcc exited 1"));
		dispatcher().round();
		Build failed = build();
		assertThat(failed.state()).isEqualTo(BuildState.FAILED);
		assertThat(failed.failureKind()).isEqualTo(FailureKind.PERMANENT);
		assertThat(failed.failureClass()).isEqualTo("compile-error");
		assertThat(failed.reason()).isEqualTo("compile-error: gcc exited 1");
		assertThat(failed.logExcerpt()).isEqualTo("error: boom");
		assertThat(this.events).isEmpty();
	}

	@Test
	void aTransientWorkerFailureIsRetried() {
		this.engine.nextRuns.add(ScriptedEngine.Run.ending(RunStatus.Conclusion.SUCCESS)
			.withFailure("network", "sdist not on the CDN yet"));
		this.engine.nextRuns
			.add(ScriptedEngine.Run.succeeding().withPureWheel(WHEEL_NAME, WHEEL, ScriptedEngine.Run.sha(WHEEL)));
		Dispatcher dispatcher = dispatcher();
		dispatcher.round();
		assertThat(build().state()).isEqualTo(BuildState.PENDING);
		this.clock.advance(Duration.ofMillis(1)); // the retry delay
		dispatcher.round();
		dispatcher.round();
		assertThat(build().state()).isEqualTo(BuildState.SUCCEEDED);
		assertThat(this.engine.dispatched).extracting(BuildJob::requestId)
			.containsExactly("wf-" + this.buildId + "-1", "wf-" + this.buildId + "-2");
	}

	@Test
	void wheelsThatDoNotHoldUpFailTheBuild() {
		this.engine.nextRuns.add(ScriptedEngine.Run.ending(RunStatus.Conclusion.SUCCESS)
			.withPureWheel(WHEEL_NAME, WHEEL, "0".repeat(64)));
		dispatcher().round();
		assertThat(build().state()).isEqualTo(BuildState.FAILED);
		assertThat(build().failureClass()).isEqualTo("invalid-wheel");
		assertThat(build().reason()).contains("not the declared");
		assertThat(this.events).isEmpty();
	}

	@Test
	void aWheelOfAnotherProjectIsRefused() {
		this.engine.nextRuns.add(ScriptedEngine.Run.ending(RunStatus.Conclusion.SUCCESS)
			.withPureWheel("other-1.0-py3-none-any.whl", WHEEL, ScriptedEngine.Run.sha(WHEEL)));
		dispatcher().round();
		assertThat(build().failureClass()).isEqualTo("invalid-wheel");
		assertThat(build().reason()).contains("is not a wheel of demo-pkg");
	}

	@Test
	void aRunOverTheTimeLimitIsCancelledAndCountsAsATimeout() {
		this.engine.nextRuns.add(ScriptedEngine.Run.stuck());
		// The limit is far above the milliseconds the database's dispatch time may lie
		// ahead of the clock's.
		Duration limit = Duration.ofMinutes(10);
		Dispatcher dispatcher = dispatcher("instance-a", limit);
		dispatcher.round();
		assertThat(build().state()).isEqualTo(BuildState.RUNNING);
		dispatcher.round();
		assertThat(this.engine.cancelled).as("within the limit").isEmpty();
		this.clock.advance(limit.plusMinutes(1));
		dispatcher.round();
		assertThat(this.engine.cancelled).containsExactly("run-1");
		assertThat(this.ledger.timeline(this.buildId)).extracting(BuildEvent::reason)
			.last()
			.asString()
			.startsWith("timeout: the run exceeded the farm's limit");
		assertThat(build().failureClass()).isEqualTo("timeout");
	}

	@Test
	void aRunThatLeftNoResultIsAnUnknownFailureWithTheEnginesLog() {
		ScriptedEngine.Run run = ScriptedEngine.Run.ending(RunStatus.Conclusion.FAILURE);
		run.engineLog = "Error: Process completed with exit code 137.";
		this.engine.nextRuns.add(run);
		dispatcher().round();
		assertThat(build().state()).as("unknown is retried").isEqualTo(BuildState.PENDING);
		assertThat(build().failureClass()).isEqualTo("unknown");
		assertThat(build().reason()).contains("without a readable result.json");
		assertThat(build().logExcerpt()).isEqualTo("Error: Process completed with exit code 137.");
		assertThat(new BuildLogs(this.jdbc).find(this.buildId).orElseThrow().content())
			.as("the engine's log is the whole log there is")
			.isEqualTo("Error: Process completed with exit code 137.");
	}

	@Test
	void theWorkersWholeLogIsKeptWithItsHeadAndTailWhenItIsTooLong() {
		ScriptedEngine.Run run = ScriptedEngine.Run.ending(RunStatus.Conclusion.SUCCESS)
			.withFailure("compile-error", "gcc exited 1");
		String middle = "noise\n".repeat(BuildLogs.LIMIT_BYTES / 6 + 1000);
		run.outputs.put("build.log", ("how it started\n" + middle + "src/x.c:1:1: error: boom\n")
			.getBytes(java.nio.charset.StandardCharsets.UTF_8));
		this.engine.nextRuns.add(run);
		dispatcher().round();
		assertThat(build().state()).isEqualTo(BuildState.FAILED);
		BuildLogs.StoredLog log = new BuildLogs(this.jdbc).find(this.buildId).orElseThrow();
		assertThat(log.truncated()).isTrue();
		assertThat(log.attempt()).isEqualTo(1);
		assertThat(log.originalBytes()).isEqualTo(middle.length() + 40L);
		assertThat(log.content()).startsWith("how it started\n")
			.endsWith("src/x.c:1:1: error: boom\n")
			.contains("bytes of the log cut here");
		assertThat(log.content().length()).isLessThan(BuildLogs.LIMIT_BYTES + 200);
	}

	@Test
	void runsThatEndedOutsideTheWorkerAreTransient() {
		this.engine.nextRuns.add(ScriptedEngine.Run.ending(RunStatus.Conclusion.STARTUP_FAILURE));
		dispatcher().round();
		assertThat(build().state()).isEqualTo(BuildState.PENDING);
		assertThat(build().failureClass()).isEqualTo("builder-unavailable");
	}

}
