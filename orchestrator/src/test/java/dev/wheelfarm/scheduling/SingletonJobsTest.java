package dev.wheelfarm.scheduling;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.testsupport.TestDatabase;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.TransactionException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two replicas (two {@link SingletonJobs}, each with its own connection pool) on one real
 * PostgreSQL: a job held by one is skipped by the other, a long run keeps its lease past
 * the lease's length, and a replica that stops renewing (frozen or dead, its connections
 * gone) lets the other take the job within one lease, with the runs recorded in
 * {@code job_run} one after the other. Waits are for conditions, bounded.
 */
class SingletonJobsTest {

	static final Duration LEASE = Duration.ofSeconds(1);

	static TestDatabase.Coordinates database;

	static HikariDataSource observer;

	static JdbcClient jdbc;

	@BeforeAll
	static void migrate() {
		database = TestDatabase.freshDatabase().migrate();
		observer = database.pool(2);
		jdbc = JdbcClient.create(observer);
	}

	@AfterAll
	static void close() {
		observer.close();
	}

	@Test
	void aJobHeldByOneReplicaIsSkippedByTheOtherEvenPastItsLeaseAndRunsThereOnceFreed() throws Exception {
		try (Replica a = new Replica(); Replica b = new Replica()) {
			CountDownLatch running = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			CompletableFuture<Boolean> first = CompletableFuture
				.supplyAsync(() -> a.jobs.runIfFree(task("export", running, release)));
			assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();

			assertThat(b.jobs.runIfFree(task("export", null, null))).as("b runs a job a holds").isFalse();
			// Longer than a lease: the holder's renewals keep the job its own.
			OffsetDateTime firstLease = heldUntil("export");
			await(() -> heldUntil("export").isAfter(firstLease.plus(LEASE)), "two renewals of a's lease");
			assertThat(b.jobs.runIfFree(task("export", null, null))).as("b runs a job a holds past one lease")
				.isFalse();
			assertThat(b.jobs.runIfFree(task("retention", null, null))).as("another job is free").isTrue();

			release.countDown();
			assertThat(first.get(30, TimeUnit.SECONDS)).isTrue();
			assertThat(b.jobs.runIfFree(task("export", null, null))).as("b runs it once a is done").isTrue();
		}
		assertThat(runs("export")).extracting(Run::replica, Run::outcome)
			.containsExactly(org.assertj.core.groups.Tuple.tuple(replicaOf(0, "export"), "COMPLETED"),
					org.assertj.core.groups.Tuple.tuple(replicaOf(1, "export"), "COMPLETED"));
		assertThat(runs("export").get(0).replica()).isNotEqualTo(runs("export").get(1).replica());
		assertNoOverlap("export");
	}

	@Test
	void aReplicaThatStopsRenewingLosesTheJobWithinOneLeaseAndTheRunsDoNotOverlap() throws Exception {
		Replica dead = new Replica();
		CountDownLatch running = new CountDownLatch(1);
		CountDownLatch never = new CountDownLatch(1);
		CompletableFuture<?> frozen = CompletableFuture.runAsync(() -> {
			try {
				dead.jobs.runIfFree(task("pypi-watch", running, never));
			}
			catch (DataAccessException | TransactionException ex) {
				// Its connections are gone: it cannot record its end or let go, as a
				// killed replica cannot.
			}
		});
		assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
		// It dies: no renewal, no connection.
		dead.jobs.destroy();
		dead.pool.close();
		try (Replica survivor = new Replica()) {
			Instant died = Instant.now();
			await(() -> survivor.jobs.runIfFree(task("pypi-watch", null, null)), "the survivor taking the job");
			assertThat(Duration.between(died, Instant.now())).as("time to take over").isLessThan(LEASE.multipliedBy(3));
		}
		never.countDown();
		frozen.get(30, TimeUnit.SECONDS);
		List<Run> runs = runs("pypi-watch");
		assertThat(runs).extracting(Run::outcome).containsExactly(null, "COMPLETED");
		assertNoOverlap("pypi-watch");
	}

	/**
	 * No two runs of a job overlap, a dead replica's run lasting until its lease ended.
	 */
	static void assertNoOverlap(String job) {
		assertThat(jdbc.sql("""
				SELECT count(*) FROM job_run a JOIN job_run b ON a.job = b.job AND a.id < b.id
				WHERE a.job = ?
				  AND tstzrange(a.started_at, coalesce(a.finished_at, a.held_until))
				   && tstzrange(b.started_at, coalesce(b.finished_at, b.held_until))
				""").param(job).query(Long.class).single()).as("overlapping runs of %s", job).isZero();
	}

	static OffsetDateTime heldUntil(String job) {
		return jdbc.sql("SELECT held_until FROM job_run WHERE job = ? ORDER BY id DESC LIMIT 1")
			.param(job)
			.query(OffsetDateTime.class)
			.single();
	}

	static List<Run> runs(String job) {
		return jdbc.sql("SELECT replica, outcome FROM job_run WHERE job = ? ORDER BY id")
			.param(job)
			.query(Run.class)
			.list();
	}

	static String replicaOf(int index, String job) {
		return runs(job).get(index).replica();
	}

	record Run(String replica, String outcome) {
	}

	static RepeatingTask task(String name, CountDownLatch running, CountDownLatch release) {
		return RepeatingTask.of(name, Duration.ZERO, Duration.ofMinutes(1), () -> {
			if (running != null) {
				running.countDown();
			}
			if (release != null) {
				try {
					release.await(60, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		});
	}

	static void await(BooleanSupplier condition, String what) {
		Awaitility.await(what)
			.atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(20))
			.until(condition::getAsBoolean);
	}

	/** One replica: its own connection pool and lock holder. */
	static final class Replica implements AutoCloseable {

		final HikariDataSource pool = database.pool(3);

		final SingletonJobs jobs = new SingletonJobs(this.pool, new SchedulingProperties(LEASE));

		@Override
		public void close() {
			this.jobs.destroy();
			this.pool.close();
		}

	}

}
