package dev.wheelfarm.dispatch.github;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wheelfarm.dispatch.EngineException;
import dev.wheelfarm.dispatch.RunReference;
import dev.wheelfarm.dispatch.RunStatus.Phase;
import dev.wheelfarm.testsupport.MutableClock;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.wheelfarm.dispatch.github.GitHubStandIn.REPO_PATH;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark behind docs/benchmarks.md: GitHub API calls for one build's whole life
 * (dispatch → status → collect), counted at the stand-in. The build is scripted: queued
 * for 1 minute, running for 7, then a success with its result artifact. The dispatcher is
 * simulated by a loop that asks for the status every 15 seconds, as a busy dispatcher
 * might; the engine decides which of those asks cost a call.
 */
class GitHubApiCallsTest {

	static final long RUN_ID = 31337;

	static final Duration TICK = Duration.ofSeconds(15);

	static final Duration QUEUED = Duration.ofMinutes(1);

	static final Duration RUNNING = Duration.ofMinutes(7);

	private GitHubStandIn gitHub;

	private MutableClock clock;

	@BeforeEach
	void start() {
		this.gitHub = GitHubStandIn.start();
		this.clock = new MutableClock(Instant.parse("2022-08-17T11:00:00Z"));
		this.gitHub.stub(post(urlPathEqualTo(GitHubStandIn.DISPATCHES))
			.willReturn(okJson("{\"workflow_run_id\": " + RUN_ID + ", \"html_url\": \"https://github.com/r\"}")));
		this.gitHub.stubResultArtifact(RUN_ID, GitHubStandIn.zip(Map.of("result.json", "{}")));
		this.gitHub.stub(get(urlPathEqualTo(REPO_PATH + "/actions/runs")).willReturn(okJson(GitHubStandIn.runList())));
	}

	@AfterEach
	void stop() {
		this.gitHub.close();
	}

	@Test
	void withWebhooksABuildCostsAtMostSixCalls(@TempDir Path directory) throws EngineException {
		GitHubEngine engine = this.gitHub.engine(
				this.gitHub.properties("a-test-webhook-secret-0123456789", Duration.ofSeconds(5)), this.clock,
				new ArrayList<>());
		int calls = lifecycle(engine, true, directory);
		System.out.println("GitHub API calls per build, webhooks: " + calls);
		assertThat(calls).isLessThanOrEqualTo(6);
	}

	@Test
	void withPollingOnlyABuildCostsAtMostTwelveCalls(@TempDir Path directory) throws EngineException {
		GitHubEngine engine = this.gitHub.engine(this.gitHub.properties(null, Duration.ofSeconds(5)), this.clock,
				new ArrayList<>());
		int calls = lifecycle(engine, false, directory);
		System.out.println("GitHub API calls per build, polling: " + calls);
		assertThat(calls).isLessThanOrEqualTo(12);
	}

	private int lifecycle(GitHubEngine engine, boolean webhooks, Path directory) throws EngineException {
		// The repository is read once per engine, not per build: warm it up and leave it
		// out of the per-build count.
		engine.findRun("wf-0-1");
		this.gitHub.resetCounts();
		Instant start = this.clock.instant();
		RunReference run = engine.dispatch(GitHubEngineTest.JOB);
		String state = null;
		while (true) {
			this.clock.advance(TICK);
			Duration age = Duration.between(start, this.clock.instant());
			String now = (age.compareTo(QUEUED) < 0) ? "queued"
					: (age.compareTo(QUEUED.plus(RUNNING)) < 0) ? "in_progress" : "completed";
			if (!now.equals(state)) {
				state = now;
				this.gitHub.stubRun(GitHubStandIn.run(RUN_ID, now, "completed".equals(now) ? "success" : null,
						"wheelfarm wf-7-1: demo-project 1.0"));
				if (webhooks && !"queued".equals(now)) {
					engine.onWorkflowRunChanged(new WorkflowRunChanged(RUN_ID, "wf-7-1", now, null));
				}
			}
			if (engine.status(run).phase() == Phase.COMPLETED) {
				break;
			}
		}
		engine.collect(run, directory);
		assertThat(directory.resolve("result.json")).exists();
		return this.gitHub.apiCalls();
	}

}
