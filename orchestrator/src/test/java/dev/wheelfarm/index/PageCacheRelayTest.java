package dev.wheelfarm.index;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.artifacts.FilesRemoved;
import dev.wheelfarm.artifacts.WheelsPublished;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.testsupport.TestDatabase;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two replicas' page-cache relays on one real PostgreSQL: what one lists or removes, the
 * other evicts at once; a replica whose listening connection was cut evicts everything
 * when it is back, since it may have missed changes meanwhile.
 */
class PageCacheRelayTest {

	static HikariDataSource poolA;

	static HikariDataSource poolB;

	static JdbcClient admin;

	static final List<String> evictedOnA = new CopyOnWriteArrayList<>();

	static final List<String> evictedOnB = new CopyOnWriteArrayList<>();

	static final AtomicInteger clearedOnB = new AtomicInteger();

	static PageCacheRelay a;

	static PageCacheRelay b;

	@BeforeAll
	static void start() {
		TestDatabase.Coordinates database = TestDatabase.freshDatabase();
		poolA = database.pool(3);
		poolB = database.pool(3);
		admin = JdbcClient.create(poolA);
		a = new PageCacheRelay(poolA, evictedOnA::add, () -> {
		});
		b = new PageCacheRelay(poolB, evictedOnB::add, clearedOnB::incrementAndGet);
		a.start();
		b.start();
		awaitListeners(2);
	}

	@AfterAll
	static void stop() {
		a.stop();
		b.stop();
		poolA.close();
		poolB.close();
	}

	@Test
	void whatOneReplicaChangesTheOtherEvictsAndTheSenderDoesNotHearItself() {
		a.on(new WheelsPublished(ProjectName.of("Demo_Project"), List.of("demo_project-1.0-py3-none-any.whl")));
		a.on(new FilesRemoved(ProjectName.of("other"),
				List.of(new FilesRemoved.RemovedFile("other-1.0-py3-none-any.whl", "ab".repeat(32)))));
		Awaitility.await("B evicting both projects")
			.atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> evictedOnB.containsAll(List.of("demo-project", "other")));
		b.on(new WheelsPublished(ProjectName.of("third"), List.of("third-1.0-py3-none-any.whl")));
		Awaitility.await("A evicting B's project")
			.atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> evictedOnA.contains("third"));
		assertThat(evictedOnA).as("A's own changes are not relayed back to it").doesNotContain("demo-project", "other");
		assertThat(evictedOnB).doesNotContain("third");
	}

	@Test
	void aReplicaThatLostItsListeningConnectionForgetsEveryPageWhenItIsBack() {
		int before = clearedOnB.get();
		// Cut every listening backend; B's pool is the one with application_name unset
		// as well, so cut both: each reconnects.
		admin.sql("""
				SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()
				""").query().listOfRows();
		Awaitility.await("B listening again and forgetting its pages")
			.atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> clearedOnB.get() > before);
		awaitListeners(2);
		a.on(new WheelsPublished(ProjectName.of("after-reconnect"), List.of("after_reconnect-1.0-py3-none-any.whl")));
		Awaitility.await("B hearing changes again")
			.atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> evictedOnB.contains("after-reconnect"));
	}

	private static void awaitListeners(int count) {
		Awaitility.await(count + " listeners")
			.atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> admin.sql("""
					SELECT count(*) FROM pg_stat_activity
					WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()
					""").query(Long.class).single() >= count);
	}

}
