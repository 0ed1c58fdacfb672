package dev.wheelfarm.builds;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.testsupport.MutableClock;
import dev.wheelfarm.testsupport.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The ledger's gauges read from a real ledger. */
class BuildMetricsTest {

	private HikariDataSource pool;

	private JdbcClient jdbc;

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final MutableClock clock = MutableClock.startingNow();

	@BeforeEach
	void setUp() {
		this.pool = TestDatabase.freshDatabase().migrate().pool(2);
		this.jdbc = JdbcClient.create(this.pool);
		this.jdbc.sql("INSERT INTO project (name, display_name) VALUES ('gauged', 'gauged')").update();
		new BuildMetrics(this.jdbc, this.clock).bindTo(this.registry);
	}

	@AfterEach
	void tearDown() {
		this.pool.close();
	}

	@Test
	void countsBuildsByStateAndAgesTheQueueFromWhenABuildBecameDue() {
		assertThat(gauge("PENDING")).isZero();
		assertThat(queueAge()).as("nothing waits").isZero();

		build("1.0", Duration.ofSeconds(-90));
		// Waiting out a retry backoff is not waiting for a builder.
		build("1.1", Duration.ofHours(1));
		build("1.2", Duration.ofSeconds(-5));
		this.jdbc.sql(
				"UPDATE build SET claimed_by = 'someone', lease_expires_at = CAST(:now AS timestamptz) + interval '1 minute',"
						+ " next_attempt_at = CAST(:now AS timestamptz) - interval '1 hour' WHERE version = '1.2'")
			.param("now", now())
			.update();
		waitOutTheCache();

		assertThat(gauge("PENDING")).isEqualTo(3.0);
		assertThat(gauge("PUBLISHED")).isZero();
		assertThat(queueAge()).isCloseTo(90.0, within(10.0));
	}

	/**
	 * A build that became due {@code dueIn} from the clock's now (negative: in the past).
	 */
	private void build(String version, Duration dueIn) {
		this.jdbc.sql("""
				INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint,
				                   origin, next_attempt_at)
				SELECT id, :version, 'gauged-' || :version || '.tar.gz', 'https://files.example/gauged.tar.gz',
				       repeat('a', 64), repeat(md5(:version), 2), 'watcher', :due
				FROM project WHERE name = 'gauged'
				""").param("version", version).param("due", now().plus(dueIn)).update();
	}

	private OffsetDateTime now() {
		return OffsetDateTime.ofInstant(this.clock.instant(), ZoneOffset.UTC);
	}

	private double gauge(String state) {
		return this.registry.get("wheelfarm.builds").tag("state", state).gauge().value();
	}

	private double queueAge() {
		return this.registry.get("wheelfarm.queue.age").gauge().value();
	}

	private void waitOutTheCache() {
		this.clock.advance(BuildMetrics.MAX_AGE);
	}

}
