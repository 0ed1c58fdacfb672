package dev.wheelfarm.dispatch.github;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.SortedMap;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wheelfarm.dispatch.install.WorkflowBundle;
import dev.wheelfarm.dispatch.install.WorkflowBundles;
import dev.wheelfarm.testsupport.MutableClock;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's look at the installed bundle, against the stand-in's real build repository
 * (its trees API reads the bare repository the installer pushes to).
 */
class InstalledBundleCheckTest {

	private static final String TREES = GitHubStandIn.REPO_PATH + "/git/trees/.+";

	@TempDir
	Path temp;

	private GitHubStandIn gitHub;

	private MutableClock clock;

	private GitHubEngine engine;

	@BeforeEach
	void start() {
		this.gitHub = GitHubStandIn.running(this.temp);
		this.clock = new MutableClock(Instant.parse("2026-12-03T04:00:00Z"));
		this.engine = this.gitHub.engine(this.gitHub.properties(null, Duration.ofSeconds(5)), this.clock,
				new ArrayList<>());
	}

	@AfterEach
	void stop() {
		this.gitHub.close();
	}

	@Test
	void theShippedBundleIsNotHeldAndTheAnswerCostsOneCallPerInterval() {
		assertThat(this.engine.holdReason()).isEmpty();
		assertThat(this.engine.bundleCheck().current().state()).isEqualTo(InstalledBundleCheck.State.MATCHES);
		this.clock.advance(Duration.ofMinutes(4));
		assertThat(this.engine.holdReason()).isEmpty();
		assertThat(treeReads()).as("within the 5 minute interval").isEqualTo(1);

		this.clock.advance(Duration.ofMinutes(2));
		assertThat(this.engine.holdReason()).isEmpty();
		assertThat(treeReads()).isEqualTo(2);
	}

	@Test
	void anotherWorkerHoldsDispatchAndNamesTheFileAndTheCommand() {
		installOlderWorker();

		assertThat(this.engine.holdReason())
			.hasValueSatisfying((reason) -> assertThat(reason).contains(".wheelfarm/worker/wheelfarm_worker.py")
				.contains("java -jar wheelfarm.jar install-workflow --repository " + GitHubStandIn.OWNER + "/"
						+ GitHubStandIn.REPO + " --branch main"));

		this.gitHub.buildRepository().install(WorkflowBundle.fromClasspath(), false);
		assertThat(this.engine.holdReason()).as("the answer stands for the interval").isPresent();
		this.clock.advance(Duration.ofMinutes(5));
		assertThat(this.engine.holdReason()).isEmpty();
	}

	@Test
	void aWorkerFileTheBundleDoesNotShipIsADifference() {
		SortedMap<String, byte[]> files = new TreeMap<>(WorkflowBundle.fromClasspath().files());
		files.put(".wheelfarm/worker/extra.py", "print('extra')\n".getBytes(StandardCharsets.UTF_8));
		this.gitHub.buildRepository().install(WorkflowBundles.of(files), false);

		assertThat(this.engine.bundleCheck().current().differing()).containsExactly(".wheelfarm/worker/extra.py");
	}

	@Test
	void aFailedLookKeepsTheLastAnswer() {
		installOlderWorker();
		assertThat(this.engine.holdReason()).isPresent();

		this.gitHub.failNext(() -> get(urlPathMatching(TREES)), GitHubStandIn.status(502));
		this.clock.advance(Duration.ofMinutes(5));

		assertThat(this.engine.holdReason()).as("still held: a 502 says nothing about the repository").isPresent();
		assertThat(this.gitHub.faultsServed()).isEqualTo(1);
	}

	@Test
	void withoutAnyAnswerDispatchIsNotHeldButHealthSaysUnknown() {
		this.gitHub.failNext(() -> get(urlPathMatching(TREES)), GitHubStandIn.status(502));

		assertThat(this.engine.holdReason()).isEmpty();
		assertThat(new BuildRepositoryHealth(this.engine.bundleCheck()).health().getStatus().getCode())
			.isEqualTo("UNKNOWN");
	}

	private void installOlderWorker() {
		SortedMap<String, byte[]> files = new TreeMap<>(WorkflowBundle.fromClasspath().files());
		files.put(".wheelfarm/worker/wheelfarm_worker.py", "# older\n".getBytes(StandardCharsets.UTF_8));
		this.gitHub.buildRepository().install(WorkflowBundles.of(files), false);
	}

	private int treeReads() {
		return this.gitHub.apiCalls(getRequestedFor(urlPathMatching(TREES)));
	}

}
