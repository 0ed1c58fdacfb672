package dev.wheelfarm.builds;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The ledger as gauges: {@code wheelfarm_builds{state}} (builds in each state) and
 * {@code wheelfarm_queue_age_seconds} (how long the longest-waiting due build has been
 * waiting for a builder). Both come from one grouped query, run at most once per
 * {@link #MAX_AGE} however many scrapers ask, so metrics never load the database. Ages
 * and the snapshot's own age are read from the farm's {@link Clock}, the one the ledger
 * writes its due times with.
 */
@Component
class BuildMetrics implements MeterBinder {

	static final Duration MAX_AGE = Duration.ofSeconds(2);

	private static final Logger logger = LoggerFactory.getLogger(BuildMetrics.class);

	// A due build waits from the moment it became claimable (its next_attempt_at), not
	// from when it was first queued: a retry that waits out its backoff is not late.
	private static final String COUNTS = """
			SELECT state, count(*) AS builds,
			       coalesce(extract(epoch FROM CAST(:now AS timestamptz) - min(next_attempt_at)
			                FILTER (WHERE claimed_by IS NULL AND next_attempt_at <= CAST(:now AS timestamptz))), 0)
			           AS waited
			FROM build
			GROUP BY state
			""";

	private final JdbcClient jdbc;

	private final Clock clock;

	private volatile Snapshot snapshot;

	BuildMetrics(JdbcClient jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (BuildState state : BuildState.values()) {
			Gauge.builder("wheelfarm.builds", this, (metrics) -> metrics.current().count(state))
				.description("Builds in the ledger by state")
				.tag("state", state.name())
				.register(registry);
		}
		Gauge.builder("wheelfarm.queue.age", this, (metrics) -> metrics.current().queueAgeSeconds())
			.description("How long the longest-waiting due PENDING build has waited for a builder (0: none waits)")
			.baseUnit("seconds")
			.register(registry);
	}

	private Snapshot current() {
		Snapshot known = this.snapshot;
		if (fresh(known)) {
			return known;
		}
		synchronized (this) {
			known = this.snapshot;
			if (!fresh(known)) {
				known = read();
				this.snapshot = known;
			}
			return known;
		}
	}

	private boolean fresh(Snapshot known) {
		if (known == null) {
			return false;
		}
		Duration age = Duration.between(known.readAt(), this.clock.instant());
		// A clock set back (a wall clock corrected) must not keep an old snapshot alive.
		return !age.isNegative() && age.compareTo(MAX_AGE) < 0;
	}

	private Snapshot read() {
		Instant now = this.clock.instant();
		Map<BuildState, Long> counts = new EnumMap<>(BuildState.class);
		double[] waited = { 0 };
		try {
			this.jdbc.sql(COUNTS).param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC)).query((rs) -> {
				BuildState state = BuildState.valueOf(rs.getString("state"));
				counts.put(state, rs.getLong("builds"));
				if (state == BuildState.PENDING) {
					waited[0] = rs.getDouble("waited");
				}
			});
		}
		catch (DataAccessException ex) {
			// A scrape must not fail with the database: say "unknown" until it answers.
			logger.warn("Build metrics unavailable: {}", ex.getMostSpecificCause().getMessage());
			return new Snapshot(null, Double.NaN, now);
		}
		return new Snapshot(counts, waited[0], now);
	}

	private record Snapshot(Map<BuildState, Long> counts, double queueAgeSeconds, Instant readAt) {

		double count(BuildState state) {
			return (this.counts != null) ? this.counts.getOrDefault(state, 0L) : Double.NaN;
		}

	}

}
