package dev.wheelfarm.builds;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.MutableClock;
import dev.wheelfarm.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The ledger on a real PostgreSQL: the unique key as failure memory, claims shared by
 * concurrent instances, leases, the concurrency cap and the retry rules.
 */
class BuildLedgerTest {

	private static final RecipeFingerprint RECIPE = RecipeFingerprint.of(Map.of("worker", "1"));

	private JdbcClient jdbc;

	private HikariDataSource dataSource;

	// Leases and backoffs run out when the test moves this clock, not by waiting.
	private final MutableClock clock = MutableClock.startingNow();

	@AfterEach
	void closePool() {
		this.dataSource.close();
	}

	@BeforeEach
	void freshLedger() throws Exception {
		HikariDataSource pool = TestDatabase.freshDatabase().migrate().pool(6);
		this.dataSource = pool;
		this.jdbc = JdbcClient.create(pool);
		this.jdbc.sql("INSERT INTO project (name, display_name) VALUES ('demo', 'Demo')").update();
	}

	private BuildLedger ledger(BuildsProperties properties) {
		return new BuildLedger(this.jdbc, new TransactionTemplate(new DataSourceTransactionManager(this.dataSource)),
				properties, this.clock);
	}

	/** Moves the clock past any retry delay {@link #properties} allows. */
	private void waitOutTheBackoff() {
		this.clock.advance(Duration.ofHours(1));
	}

	private static BuildsProperties properties(int maxAttempts, int maxConcurrent, Duration lease) {
		return new BuildsProperties(maxAttempts, Duration.ofMinutes(1), Duration.ofHours(1), lease, maxConcurrent, 3);
	}

	private static BuildCandidate candidate(String version) {
		return new BuildCandidate(ProjectName.of("demo"), version, "demo-" + version + ".tar.gz",
				"https://files.example/demo-" + version + ".tar.gz",
				Sha256.digest(version.getBytes(StandardCharsets.UTF_8)), BuildCandidate.Origin.WATCHER);
	}

	@Test
	void theSameCandidateAndRecipeIsOneBuildEvenAfterItFailedPermanently() {
		BuildLedger ledger = ledger(properties(3, 10, Duration.ofMinutes(5)));
		BuildLedger.Enqueued first = ledger.enqueue(candidate("1.0"), RECIPE);
		assertThat(first.created()).isTrue();
		Build claimed = ledger.claim("a", 10).get(0);
		ledger.markDispatched(claimed.id(), "a", "local", "run-1", null);
		assertThat(ledger.markFailed(claimed.id(), "a", FailureClass.COMPILE_ERROR, "gcc failed", "error: x.h"))
			.contains(BuildState.FAILED);

		BuildLedger.Enqueued again = ledger.enqueue(candidate("1.0"), RECIPE);
		assertThat(again).isEqualTo(new BuildLedger.Enqueued(first.id(), false));
		assertThat(ledger.claim("a", 10)).as("a permanent failure is not retried").isEmpty();

		BuildLedger.Enqueued newRecipe = ledger.enqueue(candidate("1.0"),
				RecipeFingerprint.of(Map.of("worker", "1", "config", "before-build = apt-get install libx")));
		assertThat(newRecipe.created()).as("a changed recipe is a new build").isTrue();
		assertThat(ledger.claim("a", 10)).extracting(Build::id).containsExactly(newRecipe.id());

		Build failed = ledger.find(first.id()).orElseThrow();
		assertThat(failed.failureKind()).isEqualTo(FailureKind.PERMANENT);
		assertThat(failed.failureClass()).isEqualTo("compile-error");
		assertThat(failed.logExcerpt()).isEqualTo("error: x.h");
	}

	@Test
	void anUnknownProjectIsRefusedWithItsName() {
		BuildLedger ledger = ledger(properties(3, 10, Duration.ofMinutes(5)));
		BuildCandidate stranger = new BuildCandidate(ProjectName.of("stranger"), "1.0", "stranger-1.0.tar.gz",
				"https://files.example/stranger-1.0.tar.gz", Sha256.of("c".repeat(64)), BuildCandidate.Origin.REQUEST);
		assertThatIllegalArgumentException().isThrownBy(() -> ledger.enqueue(stranger, RECIPE))
			.withMessageContaining("'stranger' is not known");
	}

	@Test
	void transientFailuresAreRetriedWithBackoffUpToTheCap() {
		BuildLedger ledger = ledger(properties(2, 10, Duration.ofMinutes(5)));
		long id = ledger.enqueue(candidate("2.0"), RECIPE).id();
		ledger.claim("a", 1);
		ledger.markDispatched(id, "a", "github", "77", "https://github.example/runs/77");
		assertThat(ledger.markFailed(id, "a", FailureClass.RUNNER_LOST, "runner vanished", null))
			.contains(BuildState.PENDING);
		Build waiting = ledger.find(id).orElseThrow();
		assertThat(waiting.claimedBy()).isNull();
		assertThat(waiting.nextAttemptAt()).isAfter(waiting.updatedAt().plusSeconds(50));
		assertThat(ledger.claim("a", 1)).as("not before the backoff has passed").isEmpty();

		waitOutTheBackoff();
		assertThat(ledger.claim("a", 1)).extracting(Build::attempts).containsExactly(2);
		ledger.markDispatched(id, "a", "github", "78", null);
		assertThat(ledger.markFailed(id, "a", FailureClass.TIMEOUT, "job exceeded 2h", "..."))
			.contains(BuildState.FAILED);
		Build gaveUp = ledger.find(id).orElseThrow();
		assertThat(gaveUp.failureKind()).isEqualTo(FailureKind.TRANSIENT);
		assertThat(gaveUp.reason()).isEqualTo("timeout: job exceeded 2h (gave up after 2 attempts)");
		assertThat(ledger.timeline(id)).extracting(BuildEvent::toState)
			.containsExactly(BuildState.PENDING, BuildState.DISPATCHED, BuildState.PENDING, BuildState.DISPATCHED,
					BuildState.FAILED);

		assertThat(ledger.forceRetry(id, "operator asked")).isTrue();
		Build retried = ledger.claim("a", 1).get(0);
		assertThat(retried.attempts()).as("attempts count over the build's life").isEqualTo(3);
		assertThat(retried.requestId()).as("not the id of an earlier run").isEqualTo("wf-" + id + "-3");
		ledger.markDispatched(id, "a", "github", "79", null);
		assertThat(ledger.markFailed(id, "a", FailureClass.TIMEOUT, "job exceeded 2h", "..."))
			.as("the forced retry has the full allowance again")
			.contains(BuildState.PENDING);
	}

	@Test
	void aMaintainersRebuildRevivesTheNewestFailedBuildWithAFreshAllowanceAndNewRequestIds() {
		BuildLedger ledger = ledger(properties(2, 10, Duration.ofMinutes(5)));
		long id = ledger.enqueue(candidate("7.0"), RECIPE).id();
		// A transient failure that used up its attempts.
		for (int attempt = 1; attempt <= 2; attempt++) {
			waitOutTheBackoff();
			assertThat(ledger.claim("a", 1)).extracting(Build::requestId).containsExactly("wf-" + id + "-" + attempt);
			ledger.markDispatched(id, "a", "local", "run-" + attempt, null);
			ledger.markFailed(id, "a", FailureClass.NETWORK, "no route", null);
		}
		assertThat(ledger.find(id).orElseThrow().state()).isEqualTo(BuildState.FAILED);

		RebuildRequester maintainer = RebuildRequester.token("ab".repeat(32), "mirror is back");
		assertThat(ledger.requestRebuild("demo", "7.0", maintainer)).isEqualTo(new RebuildOutcome.Queued(id, 2));
		Build revived = ledger.find(id).orElseThrow();
		assertThat(revived.state()).isEqualTo(BuildState.PENDING);
		assertThat(revived.failureClass()).isNull();
		assertThat(revived.logExcerpt()).isNull();
		List<BuildEvent> timeline = ledger.timeline(id);
		BuildEvent asked = timeline.get(timeline.size() - 1);
		assertThat(asked.fromState()).isEqualTo(BuildState.FAILED);
		assertThat(asked.toState()).isEqualTo(BuildState.PENDING);
		assertThat(asked.reason()).contains("sha256:abababababababab", "mirror is back");
		assertThat(asked.requestedBy().tokenFingerprint()).isEqualTo("sha256:abababababababab");
		assertThat(asked.requestedBy().requestedAt()).isNotNull();
		assertThat(timeline.subList(0, timeline.size() - 1)).allMatch((event) -> event.requestedBy() == null);

		// The next attempt is not named like a run of the first life, and has the full
		// allowance again: one transient failure goes back to the queue.
		assertThat(ledger.claim("a", 1)).extracting(Build::requestId).containsExactly("wf-" + id + "-3");
		ledger.markDispatched(id, "a", "local", "run-3", null);
		assertThat(ledger.markFailed(id, "a", FailureClass.NETWORK, "no route", null)).contains(BuildState.PENDING);
		assertThat(ledger.requestRebuild("demo", "7.0", maintainer))
			.isEqualTo(new RebuildOutcome.NotFailed(id, BuildState.PENDING));
		assertThat(ledger.requestRebuild("demo", "7.1", maintainer)).isEqualTo(new RebuildOutcome.NoBuild());
	}

	@Test
	void twoInstancesAskingAtOnceCannotBothTakeTheLastRebuildOfTheDay() throws Exception {
		BuildsProperties one = new BuildsProperties(3, Duration.ofMinutes(1), Duration.ofHours(1),
				Duration.ofMinutes(5), 10, 1);
		List<Long> ids = new ArrayList<>();
		for (String version : List.of("8.0", "8.1")) {
			long id = ledger(one).enqueue(candidate(version), RECIPE).id();
			this.jdbc.sql("UPDATE build SET state = 'FAILED', failure_kind = 'permanent' WHERE id = ?")
				.param(id)
				.update();
			ids.add(id);
		}
		RebuildRequester maintainer = RebuildRequester.token("cd".repeat(32), null);
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			Future<RebuildOutcome> first = pool.submit(() -> ledger(one).requestRebuild("demo", "8.0", maintainer));
			Future<RebuildOutcome> second = pool.submit(() -> ledger(one).requestRebuild("demo", "8.1", maintainer));
			List<RebuildOutcome> outcomes = List.of(first.get(), second.get());
			assertThat(outcomes).filteredOn(RebuildOutcome.Queued.class::isInstance).hasSize(1);
			assertThat(outcomes).filteredOn(RebuildOutcome.Limited.class::isInstance)
				.singleElement()
				.satisfies((limited) -> assertThat(((RebuildOutcome.Limited) limited).retryAfter())
					.isBetween(Duration.ofHours(23), Duration.ofHours(24)));
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(this.jdbc.sql("SELECT count(*) FROM build WHERE state = 'PENDING'").query(Long.class).single())
			.isEqualTo(1);
	}

	@Test
	void anAttemptKeepsItsRequestIdUntilItReachesABuilderOrFails() {
		BuildLedger ledger = ledger(properties(3, 10, Duration.ofMinutes(5)));
		long id = ledger.enqueue(candidate("6.0"), RECIPE).id();
		assertThat(ledger.claim("a", 1)).extracting(Build::requestId).containsExactly("wf-" + id + "-1");
		// The engine timed out: it may or may not have started a run under that id.
		assertThat(ledger.release(id, "a", "engine unavailable", Duration.ZERO)).isTrue();
		Build again = ledger.claim("b", 1).get(0);
		assertThat(again.attempts()).as("a released claim is not an attempt").isEqualTo(1);
		assertThat(again.requestId()).as("so the run can be looked up").isEqualTo("wf-" + id + "-1");

		ledger.markDispatched(id, "b", "local", "run-9", null);
		ledger.markFailed(id, "b", FailureClass.NETWORK, "sdist not on the CDN yet", null);
		waitOutTheBackoff();
		Build retry = ledger.claim("b", 1).get(0);
		assertThat(retry.requestId()).as("a new attempt is a new run").isEqualTo("wf-" + id + "-2");
		assertThat(retry.externalRunId()).isNull();
	}

	@Test
	void anInstanceThatLostItsLeaseChangesNothing() {
		Duration lease = Duration.ofMinutes(5);
		BuildLedger ledger = ledger(properties(3, 10, lease));
		long id = ledger.enqueue(candidate("3.0"), RECIPE).id();
		assertThat(ledger.claim("crashed", 1)).hasSize(1);
		this.clock.advance(lease.minusSeconds(1));
		assertThat(ledger.claim("survivor", 1)).as("held by a live lease").isEmpty();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(ledger.claim("survivor", 1)).extracting(Build::id).containsExactly(id);
		assertThat(ledger.markDispatched(id, "crashed", "local", "x", null)).isFalse();
		assertThat(ledger.markFailed(id, "crashed", FailureClass.COMPILE_ERROR, "late", null)).isEmpty();
		assertThat(ledger.markDispatched(id, "survivor", "local", "y", null)).isTrue();

		this.clock.advance(lease);
		assertThat(ledger.adoptOrphans("watcher")).as("a dispatched build whose owner is gone").containsExactly(id);
		assertThat(ledger.markSucceeded(id, "survivor", "build")).isFalse();
		assertThat(ledger.markSucceeded(id, "watcher", "build")).isTrue();
		assertThat(ledger.markPublished(id)).isTrue();
		assertThat(ledger.find(id).orElseThrow().state()).isEqualTo(BuildState.PUBLISHED);
	}

	@Test
	void theConcurrencyCapCountsClaimedDispatchedAndRunningBuilds() {
		BuildLedger ledger = ledger(properties(3, 2, Duration.ofMinutes(5)));
		for (int i = 0; i < 5; i++) {
			ledger.enqueue(candidate("4." + i), RECIPE);
		}
		List<Build> first = ledger.claim("a", 10);
		assertThat(first).hasSize(2);
		assertThat(ledger.claim("b", 10)).isEmpty();
		ledger.markDispatched(first.get(0).id(), "a", "local", "1", null);
		ledger.markRunning(first.get(0).id(), "a");
		assertThat(ledger.claim("b", 10)).isEmpty();
		ledger.markSucceeded(first.get(0).id(), "a", "build");
		assertThat(ledger.claim("b", 10)).hasSize(1);
	}

	@Test
	void concurrentClaimersNeverShareABuild() throws Exception {
		BuildLedger ledger = ledger(properties(3, 10_000, Duration.ofMinutes(5)));
		int builds = 400;
		for (int i = 0; i < builds; i++) {
			ledger.enqueue(candidate("5." + i), RECIPE);
		}
		ExecutorService pool = Executors.newFixedThreadPool(4);
		List<Future<List<Long>>> claims = new ArrayList<>();
		for (int claimer = 0; claimer < 4; claimer++) {
			String owner = "instance-" + claimer;
			Callable<List<Long>> work = () -> {
				List<Long> mine = new ArrayList<>();
				List<Build> batch;
				while (!(batch = ledger.claim(owner, 7)).isEmpty()) {
					batch.forEach((build) -> mine.add(build.id()));
				}
				return mine;
			};
			claims.add(pool.submit(work));
		}
		Set<Long> seen = new HashSet<>();
		int total = 0;
		for (Future<List<Long>> claim : claims) {
			List<Long> ids = claim.get();
			total += ids.size();
			seen.addAll(ids);
		}
		pool.shutdown();
		assertThat(total).isEqualTo(builds);
		assertThat(seen).hasSize(builds);
	}

	@Test
	void candidatesFromTheEdgesAreValidated() {
		ProjectName x = ProjectName.of("x");
		Sha256 sha = Sha256.of("a".repeat(64));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new BuildCandidate(x, "1", "../x.tar.gz", "https://x/x.tar.gz", sha,
					BuildCandidate.Origin.REQUEST))
			.withMessageContaining("plain file name");
		assertThatIllegalArgumentException().isThrownBy(
				() -> new BuildCandidate(x, "1", "x.tar.gz", "file:///etc/passwd", sha, BuildCandidate.Origin.REQUEST))
			.withMessageContaining("http(s)");
		assertThatIllegalArgumentException().isThrownBy(
				() -> new BuildCandidate(x, " ", "x.tar.gz", "https://x/x.tar.gz", sha, BuildCandidate.Origin.REQUEST))
			.withMessageContaining("version");
	}

}
