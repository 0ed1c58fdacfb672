package dev.wheelfarm.builds;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue under load: 10,000 pending builds drained by 1 and by 4 concurrent claimers
 * (the reference and the case the issue names), each claim a real transaction on
 * PostgreSQL. Checks that no build is claimed twice and prints claims per second. Run it
 * with {@code mvn -B -pl orchestrator -am test -Dtest=ClaimBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}; figures are in docs/benchmarks.md.
 */
class ClaimBenchmark {

	private static final int BUILDS = 10_000;

	private static final int BATCH = 10;

	@Test
	void drainTenThousandBuilds() throws Exception {
		Result reference = drain(1);
		Result concurrent = drain(4);
		System.out.printf("%nClaimBenchmark: %d builds, batches of %d%n", BUILDS, BATCH);
		System.out.printf("  1 claimer : %.2f s, %.0f claims/s%n", reference.seconds(), reference.perSecond());
		System.out.printf("  4 claimers: %.2f s, %.0f claims/s (%.2fx the single claimer)%n", concurrent.seconds(),
				concurrent.perSecond(), concurrent.perSecond() / reference.perSecond());
	}

	private Result drain(int claimers) throws Exception {
		try (HikariDataSource pool = TestDatabase.freshDatabase().migrate().pool(claimers + 1)) {
			JdbcClient jdbc = JdbcClient.create(pool);
			BuildLedger ledger = new BuildLedger(jdbc, new TransactionTemplate(new DataSourceTransactionManager(pool)),
					new BuildsProperties(3, Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofHours(1), BUILDS, 3),
					Clock.systemUTC());
			jdbc.sql("INSERT INTO project (name, display_name) VALUES ('bench', 'bench')").update();
			RecipeFingerprint recipe = RecipeFingerprint.of(Map.of("worker", "bench"));
			for (int i = 0; i < BUILDS; i++) {
				String version = "1." + i;
				ledger.enqueue(
						new BuildCandidate(ProjectName.of("bench"), version, "bench-" + version + ".tar.gz",
								"https://files.example/bench-" + version + ".tar.gz",
								Sha256.digest(version.getBytes(StandardCharsets.UTF_8)), BuildCandidate.Origin.WATCHER),
						recipe);
			}
			ExecutorService threads = Executors.newFixedThreadPool(claimers);
			long started = System.nanoTime();
			List<Future<List<Long>>> work = new ArrayList<>();
			for (int c = 0; c < claimers; c++) {
				String owner = "claimer-" + c;
				work.add(threads.submit(() -> {
					List<Long> mine = new ArrayList<>();
					List<Build> batch;
					while (!(batch = ledger.claim(owner, BATCH)).isEmpty()) {
						batch.forEach((build) -> mine.add(build.id()));
					}
					return mine;
				}));
			}
			Set<Long> distinct = new HashSet<>();
			int total = 0;
			for (Future<List<Long>> claims : work) {
				List<Long> ids = claims.get();
				total += ids.size();
				distinct.addAll(ids);
			}
			double seconds = (System.nanoTime() - started) / 1e9;
			threads.shutdown();
			assertThat(total).as("every build claimed").isEqualTo(BUILDS);
			assertThat(distinct).as("no build claimed twice").hasSize(BUILDS);
			return new Result(seconds, BUILDS / seconds);
		}
	}

	private record Result(double seconds, double perSecond) {

	}

}
