package dev.wheelfarm.dispatch.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.wheelfarm.builds.Build;
import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.BuildState;
import dev.wheelfarm.builds.BuildSucceeded;
import dev.wheelfarm.builds.FailureKind;
import dev.wheelfarm.dispatch.Dispatcher;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Waiting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole local path inside the application: ledger → dispatcher → local engine → the
 * real worker on a real sdist → verified wheels and a {@link BuildSucceeded} event.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.engine=local",
		"wheelfarm.local.python=" + Sdists.PYTHON, "wheelfarm.local.offline=true", "wheelfarm.local.fetch-retries=0" })
class LocalBuildIntegrationTest {

	@TempDir
	static Path scratch;

	static SdistServer sdists;

	@Autowired
	BuildLedger ledger;

	@Autowired
	Dispatcher dispatcher;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	List<BuildSucceeded> succeeded;

	@BeforeAll
	static void serveSdists() throws Exception {
		sdists = new SdistServer();
	}

	@AfterAll
	static void stop() {
		sdists.close();
	}

	@Test
	void aPureSdistBecomesAVerifiedWheel() throws Exception {
		long id = enqueue("purepkg", "1.0", Sdists.PURE_SETUPTOOLS);
		Build done = untilEnded(id);
		// The index's ingest listens to BuildSucceeded in the same application and
		// publishes the verified wheel at once.
		assertThat(done.state()).isEqualTo(BuildState.PUBLISHED);
		assertThat(done.strategy()).isEqualTo("pure");
		BuildSucceeded event = this.succeeded.stream()
			.filter((candidate) -> candidate.buildId() == id)
			.findFirst()
			.orElseThrow();
		assertThat(event.wheels()).singleElement().satisfies((wheel) -> {
			assertThat(wheel.filename()).isEqualTo("purepkg-1.0-py3-none-any.whl");
			assertThat(Sha256.digest(Files.readAllBytes(wheel.path()))).isEqualTo(wheel.sha256());
		});
	}

	@Test
	void aMissingHeaderIsAPermanentFailureWithItsLog() throws Exception {
		long id = enqueue("noheader", "1.0", Sdists.MISSING_HEADER);
		Build done = untilEnded(id);
		assertThat(done.state()).isEqualTo(BuildState.FAILED);
		assertThat(done.failureKind()).isEqualTo(FailureKind.PERMANENT);
		assertThat(done.failureClass()).isEqualTo("missing-system-dependency");
		assertThat(done.logExcerpt()).isNotBlank();
	}

	private long enqueue(String name, String version, Map<String, String> files) throws Exception {
		return LedgerBuilds.enqueue(this.ledger, this.jdbc, sdists, scratch, name, version, files);
	}

	private Build untilEnded(long id) {
		return Waiting.until("build " + id + " to end", Duration.ofMinutes(3), () -> {
			this.dispatcher.round();
			return this.ledger.find(id).orElseThrow();
		}, (build) -> build.state() == BuildState.SUCCEEDED || build.state().isEnded());
	}

	@TestConfiguration
	static class Events {

		@Bean
		List<BuildSucceeded> succeeded() {
			return new CopyOnWriteArrayList<>();
		}

		@Bean
		Object succeededListener(List<BuildSucceeded> succeeded) {
			return new Object() {
				@EventListener
				void on(BuildSucceeded event) {
					succeeded.add(event);
				}
			};
		}

	}

}
