package dev.wheelfarm.scheduling;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Runs a singleton job on one replica at a time. Before a run, the replica takes the
 * job's row in {@code shedlock} (ShedLock's JDBC provider: an atomic
 * {@code INSERT}/{@code UPDATE … WHERE lock_until <= now}); a replica that finds the job
 * held skips its turn and tries again at its next interval. While the run lasts, the
 * lease is renewed every third of {@code wheelfarm.scheduling.lock-lease}, so a long
 * export is never taken over midway, and a replica killed mid-run lets go within one
 * lease. Every run is written to {@code job_run} with the replica that ran it.
 * <p>
 * The lease is counted on the <em>database's</em> clock ({@code usingDbTime()}), not on
 * the replica's {@link java.time.Clock}: the lease is written by one replica and read by
 * another, so two clocks that disagree by more than a lease would let two replicas both
 * believe they hold it. The database is the one clock they share. (Build leases in the
 * ledger are written with each instance's clock, which is why replicas need synchronised
 * clocks for builds; the jobs do not.)
 * <p>
 * The renewal is ours rather than ShedLock's {@code KeepAliveLockProvider}, which refuses
 * leases shorter than 30 s: a test of fail-over must not wait that long.
 */
public class SingletonJobs implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(SingletonJobs.class);

	/** How long {@code job_run} keeps a run, so the table stays the size of a week. */
	static final Duration HISTORY = Duration.ofDays(7);

	private static final String START_RUN = """
			INSERT INTO job_run (job, replica, held_until)
			SELECT :job, :replica, lock_until AT TIME ZONE 'UTC' FROM shedlock WHERE name = :job
			RETURNING id
			""";

	// The lease as ShedLock wrote it: a run held its job exactly as long as its lock row
	// said, even when the replica died and never wrote finished_at.
	private static final String RENEWED = """
			UPDATE job_run SET held_until = coalesce(
			    (SELECT lock_until AT TIME ZONE 'UTC' FROM shedlock WHERE name = :job AND locked_by = :replica),
			    held_until)
			WHERE id = :id
			""";

	private static final String FINISH_RUN = """
			UPDATE job_run SET finished_at = clock_timestamp(), outcome = :outcome WHERE id = :id
			""";

	private static final String FORGET_OLD_RUNS = """
			DELETE FROM job_run WHERE job = :job AND started_at < now() - :historyMillis * interval '1 millisecond'
			""";

	private final LockProvider locks;

	private final JdbcClient jdbc;

	private final Duration lease;

	private final String replica;

	private final ScheduledExecutorService renewals;

	public SingletonJobs(DataSource dataSource, SchedulingProperties properties) {
		this.replica = ManagementFactory.getRuntimeMXBean().getName() + "-"
				+ UUID.randomUUID().toString().substring(0, 8);
		this.locks = new JdbcTemplateLockProvider(JdbcTemplateLockProvider.Configuration.builder()
			.withJdbcTemplate(new JdbcTemplate(dataSource))
			.usingDbTime()
			.withLockedByValue(this.replica)
			.build());
		this.jdbc = JdbcClient.create(dataSource);
		this.lease = properties.lockLease();
		this.renewals = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "singleton-lease-renewal");
			thread.setDaemon(true);
			return thread;
		});
	}

	/** This replica's name in {@code shedlock.locked_by} and {@code job_run.replica}. */
	public String replica() {
		return this.replica;
	}

	/**
	 * Runs {@code task} if no other replica (or thread) runs it now.
	 * @return whether it ran here
	 */
	public boolean runIfFree(RepeatingTask task) {
		Optional<SimpleLock> taken = this.locks
			.lock(new LockConfiguration(Instant.now(), task.name(), this.lease, Duration.ZERO));
		if (taken.isEmpty()) {
			logger.debug("{} runs on another replica now; skipping this turn", task.name());
			return false;
		}
		AtomicReference<SimpleLock> lock = new AtomicReference<>(taken.get());
		long run = startRun(task.name());
		long every = Math.max(1, this.lease.toMillis() / 3);
		ScheduledFuture<?> renewal = this.renewals.scheduleWithFixedDelay(() -> renew(task.name(), run, lock), every,
				every, TimeUnit.MILLISECONDS);
		boolean completed = false;
		try {
			task.runOnce();
			completed = true;
			return true;
		}
		finally {
			renewal.cancel(false);
			finishRun(run, completed);
			lock.get().unlock();
		}
	}

	private long startRun(String job) {
		this.jdbc.sql(FORGET_OLD_RUNS).param("job", job).param("historyMillis", HISTORY.toMillis()).update();
		return this.jdbc.sql(START_RUN).param("job", job).param("replica", this.replica).query(Long.class).single();
	}

	private void renew(String job, long run, AtomicReference<SimpleLock> lock) {
		try {
			Optional<SimpleLock> extended = lock.get().extend(this.lease, Duration.ZERO);
			if (extended.isEmpty()) {
				// The lease ran out before this renewal (the database was out of reach
				// for longer than a lease): another replica may start the job now.
				logger.error("{}: the lock lapsed while the run went on; another replica may run it at once", job);
				return;
			}
			lock.set(extended.get());
			this.jdbc.sql(RENEWED).param("job", job).param("replica", this.replica).param("id", run).update();
		}
		catch (DataAccessException ex) {
			logger.warn("{}: could not renew the lock ({}); trying again in {} ms", job, ex.getMessage(),
					this.lease.toMillis() / 3);
		}
	}

	private void finishRun(long run, boolean completed) {
		try {
			this.jdbc.sql(FINISH_RUN).param("outcome", completed ? "COMPLETED" : "FAILED").param("id", run).update();
		}
		catch (DataAccessException ex) {
			// The run's own outcome matters more than its record; the lock is released
			// after this either way.
			logger.warn("Could not record the end of job run {}: {}", run, ex.getMessage());
		}
	}

	@Override
	public void destroy() {
		this.renewals.shutdownNow();
	}

}
