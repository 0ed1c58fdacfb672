package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.node.ObjectNode;

import dev.wheelfarm.dispatch.BuildJob;
import dev.wheelfarm.dispatch.EngineException;
import dev.wheelfarm.dispatch.RunReference;
import dev.wheelfarm.dispatch.RunStatus;
import dev.wheelfarm.dispatch.RunStatus.Conclusion;
import dev.wheelfarm.dispatch.RunStatus.Phase;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.MutableClock;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.wheelfarm.dispatch.github.GitHubStandIn.DISPATCHES;
import static dev.wheelfarm.dispatch.github.GitHubStandIn.REPO_PATH;
import static dev.wheelfarm.dispatch.github.GitHubStandIn.RUNS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The engine with the real hub4j client against the GitHub stand-in: recorded responses
 * for the shapes GitHub sends, scripted scenarios for the faults it has.
 */
class GitHubEngineTest {

	static final BuildJob JOB = new BuildJob("wf-7-1", ProjectName.of("demo-project"), "1.0",
			"https://files.example/demo_project-1.0.tar.gz", Sha256.of("a".repeat(64)), "{\"skip\":\"pp*\"}");

	private GitHubStandIn gitHub;

	private MutableClock clock;

	private final List<Duration> sleeps = new ArrayList<>();

	@BeforeEach
	void start() {
		this.gitHub = GitHubStandIn.start();
		this.clock = new MutableClock(Instant.parse("2022-08-17T11:00:00Z"));
	}

	@AfterEach
	void stop() {
		this.gitHub.close();
	}

	private GitHubEngine engine() {
		return this.gitHub.engine(this.gitHub.properties(null, Duration.ofSeconds(5)), this.clock, this.sleeps);
	}

	@Test
	void dispatchSendsStringInputsAndTakesTheRunIdFromTheRunDetails() throws EngineException {
		this.gitHub.stub(post(urlPathEqualTo(DISPATCHES)).willReturn(okJson("""
				{"workflow_run_id": 4242, "run_url": "https://api.github.com/repos/o/r/actions/runs/4242",
				 "html_url": "https://github.com/o/r/actions/runs/4242"}""")));
		RunReference run = engine().dispatch(JOB);
		assertThat(run).isEqualTo(new RunReference("4242", "https://github.com/o/r/actions/runs/4242"));
		this.gitHub.api.verify(1,
				postRequestedFor(urlPathEqualTo(DISPATCHES))
					.withHeader("Authorization", equalTo("token " + GitHubStandIn.TOKEN))
					.withRequestBody(equalToJson("""
							{"ref": "main", "return_run_details": true,
							 "inputs": {"request_id": "wf-7-1", "project": "demo-project", "version": "1.0",
							            "sdist_url": "https://files.example/demo_project-1.0.tar.gz",
							            "sdist_sha256": "%s", "options": "{\\"skip\\":\\"pp*\\"}"}}"""
						.formatted("a".repeat(64)))));
	}

	@Test
	void aPlain204IsFollowedByFindingTheRunByItsRunName() throws EngineException {
		this.gitHub.stub(post(urlPathEqualTo(DISPATCHES)).willReturn(GitHubStandIn.status(204)));
		// GitHub lists a dispatched run a moment after the 204: first not yet, then with
		// a neighbour whose request id starts with ours.
		this.gitHub.stub(get(urlPathEqualTo(RUNS)).withQueryParam("event", equalTo("workflow_dispatch"))
			.inScenario("late run")
			.whenScenarioStateIs(Scenario.STARTED)
			.willSetStateTo("listed")
			.willReturn(okJson(GitHubStandIn
				.runList(GitHubStandIn.run(1, "completed", "success", "wheelfarm wf-6-1: other 2.0")))));
		this.gitHub
			.stub(get(urlPathEqualTo(RUNS)).withQueryParam("event", equalTo("workflow_dispatch"))
				.inScenario("late run")
				.whenScenarioStateIs("listed")
				.willReturn(okJson(GitHubStandIn.runList(
						GitHubStandIn.run(99, "queued", null, "wheelfarm wf-7-10: demo-project 1.0"),
						GitHubStandIn.run(98, "queued", null, "wheelfarm wf-7-1: demo-project 1.0")))));
		RunReference run = engine().dispatch(JOB);
		assertThat(run.id()).isEqualTo("98");
		assertThat(this.sleeps).containsExactly(Duration.ofSeconds(1));
	}

	@Test
	void aRunThatNeverShowsIsATransientFailureNotASecondDispatch() {
		this.gitHub.stub(post(urlPathEqualTo(DISPATCHES)).willReturn(GitHubStandIn.status(204)));
		this.gitHub.stub(get(urlPathEqualTo(RUNS)).willReturn(okJson(GitHubStandIn.runList())));
		assertThatExceptionOfType(EngineException.class).isThrownBy(() -> engine().dispatch(JOB))
			.matches(EngineException::isTransient)
			.withMessageContaining("findRun");
		assertThat(this.sleeps).isEqualTo(GitHubEngine.FIND_DELAYS);
		assertThat(this.gitHub.apiCalls(postRequestedFor(urlPathEqualTo(DISPATCHES)))).isEqualTo(1);
	}

	@Test
	void afterARestartTheRunIsFoundByItsRunNameWithoutDispatchingAgain() throws EngineException {
		this.gitHub.stub(get(urlPathEqualTo(RUNS)).willReturn(okJson(GitHubStandIn
			.runList(GitHubStandIn.run(77, "in_progress", null, "wheelfarm wf-7-1: demo-project 1.0")))));
		// A fresh engine: nothing of the process that dispatched survives but GitHub.
		assertThat(engine().findRun("wf-7-1")).map(RunReference::id).contains("77");
		assertThat(engine().findRun("wf-8-1")).isEmpty();
		assertThat(this.gitHub.apiCalls(postRequestedFor(urlPathEqualTo(DISPATCHES)))).isZero();
	}

	@ParameterizedTest
	@CsvSource({ "testCancelAndRerun/__files/8-r_h_g_actions_runs_686036126.json, 686036126, COMPLETED, CANCELLED",
			"testApproval/__files/5-r_h_g_actions_runs_2874767918.json, 2874767918, COMPLETED, SUCCESS" })
	void recordedRunsMapToRunStatus(String fixture, long id, Phase phase, Conclusion conclusion)
			throws EngineException {
		this.gitHub.stub(get(urlPathEqualTo(RUNS + "/" + id))
			.willReturn(okJson(Fixtures.text("wiremock/GHWorkflowRunTest/" + fixture))));
		RunStatus status = engine().status(new RunReference(Long.toString(id), null));
		assertThat(status.phase()).isEqualTo(phase);
		assertThat(status.conclusion()).isEqualTo(conclusion);
		assertThat(status.detail()).contains(Long.toString(id));
	}

	@ParameterizedTest
	@CsvSource({ "testCancelAndRerun/__files/6-r_h_g_actions_runs.json, 0, RUNNING, ",
			"testStartupFailureConclusion/__files/3-r_h_g_actions_workflows_75497789_runs.json, 0, COMPLETED, STARTUP_FAILURE",
			"testSearchOnCreatedAndHeadSha/__files/11-r_h_g_actions_runs.json, 3, COMPLETED, FAILURE" })
	void recordedRunsInListsMapToRunStatus(String fixture, int index, Phase phase, Conclusion conclusion)
			throws EngineException {
		ObjectNode run = (ObjectNode) GitHubStandIn.JSON
			.readTree(Fixtures.text("wiremock/GHWorkflowRunTest/" + fixture))
			.path("workflow_runs")
			.get(index);
		this.gitHub.stubRun(run);
		// Read shortly after the run started: well within the run timeout.
		this.clock = new MutableClock(Instant.parse(run.path("created_at").asString()).plusSeconds(60));
		RunStatus status = engine().status(new RunReference(run.path("id").asString(), null));
		assertThat(status.phase()).isEqualTo(phase);
		assertThat(status.conclusion()).isEqualTo(conclusion);
	}

	@ParameterizedTest
	@CsvSource({ "queued, QUEUED", "requested, QUEUED", "waiting, QUEUED", "pending, QUEUED", "action_required, QUEUED",
			"in_progress, RUNNING", "some_new_state, QUEUED" })
	void unfinishedStatesNeverClaimMoreThanGitHubSaid(String gitHubStatus, Phase phase) throws EngineException {
		this.gitHub.stubRun(GitHubStandIn.run(5, gitHubStatus, null, "wheelfarm wf-7-1: demo-project 1.0"));
		assertThat(engine().status(new RunReference("5", null)).phase()).isEqualTo(phase);
	}

	@Test
	void serverErrorsAreTransientAndTheNextReadSucceeds() throws EngineException {
		String path = RUNS + "/5";
		this.gitHub.stub(get(urlPathEqualTo(path)).inScenario("flaky")
			.whenScenarioStateIs(Scenario.STARTED)
			.willSetStateTo("502")
			.willReturn(GitHubStandIn.status(500).withBody("{\"message\":\"Server Error\"}")));
		this.gitHub.stub(get(urlPathEqualTo(path)).inScenario("flaky")
			.whenScenarioStateIs("502")
			.willSetStateTo("ok")
			.willReturn(GitHubStandIn.status(502).withBody("<html>Bad gateway</html>")));
		this.gitHub.stub(get(urlPathEqualTo(path)).inScenario("flaky")
			.whenScenarioStateIs("ok")
			.willReturn(okJson(GitHubStandIn.JSON.writeValueAsString(GitHubStandIn.run(5, "in_progress", null, "t")))));
		GitHubEngine engine = engine();
		RunReference run = new RunReference("5", null);
		RunStatus status = null;
		int failures = 0;
		for (int attempt = 0; attempt < 5 && status == null; attempt++) {
			try {
				status = engine.status(run);
			}
			catch (EngineException ex) {
				assertThat(ex.isTransient()).as(ex.getMessage()).isTrue();
				failures++;
			}
		}
		assertThat(status).isNotNull();
		assertThat(status.phase()).isEqualTo(Phase.RUNNING);
		assertThat(failures).isBetween(1, 2);
	}

	@Test
	void aDispatchAnswered5xxIsTransient() {
		this.gitHub.stub(post(urlPathEqualTo(DISPATCHES)).willReturn(GitHubStandIn.status(502)));
		assertThatExceptionOfType(EngineException.class).isThrownBy(() -> engine().dispatch(JOB))
			.matches(EngineException::isTransient);
	}

	@Test
	void aSecondaryRateLimitCarriesGitHubsRetryAfter() {
		this.gitHub.stub(get(urlPathEqualTo(RUNS + "/5")).willReturn(GitHubStandIn.status(403)
			.withHeader("Retry-After", "120")
			.withBody("{\"message\":\"You have exceeded a secondary rate limit.\"}")));
		assertThatExceptionOfType(EngineException.class).isThrownBy(() -> engine().status(new RunReference("5", null)))
			.matches(EngineException::isTransient)
			.satisfies((ex) -> assertThat(ex.retryAfter()).contains(Duration.ofSeconds(120)));
	}

	@Test
	void anExhaustedBudgetOnDispatchWaitsForTheReset() {
		long reset = this.clock.instant().plusSeconds(600).getEpochSecond();
		this.gitHub.stub(post(urlPathEqualTo(DISPATCHES)).willReturn(GitHubStandIn.status(403)
			.withHeader("X-RateLimit-Remaining", "0")
			.withHeader("X-RateLimit-Reset", Long.toString(reset))
			.withBody("{\"message\":\"API rate limit exceeded\"}")));
		assertThatExceptionOfType(EngineException.class).isThrownBy(() -> engine().dispatch(JOB))
			.matches(EngineException::isTransient)
			.satisfies((ex) -> assertThat(ex.retryAfter()).contains(Duration.ofSeconds(601)));
	}

	@Test
	void belowTheReserveTheEngineStopsCallingUntilTheReset() throws EngineException {
		long reset = this.clock.instant().plusSeconds(300).getEpochSecond();
		ObjectNode run = GitHubStandIn.run(5, "in_progress", null, "t");
		this.gitHub.stub(get(urlPathEqualTo(RUNS + "/5"))
			.willReturn(okJson(GitHubStandIn.JSON.writeValueAsString(run)).withHeader("X-RateLimit-Limit", "5000")
				.withHeader("X-RateLimit-Remaining", "3")
				.withHeader("X-RateLimit-Used", "4997")
				.withHeader("X-RateLimit-Resource", "core")
				.withHeader("X-RateLimit-Reset", Long.toString(reset))));
		GitHubEngine engine = engine();
		engine.status(new RunReference("5", null));
		int calls = this.gitHub.apiCalls();
		assertThatExceptionOfType(EngineException.class).isThrownBy(() -> engine.findRun("wf-7-1"))
			.matches(EngineException::isTransient)
			.satisfies((ex) -> assertThat(ex.retryAfter()).isPresent());
		assertThat(this.gitHub.apiCalls()).isEqualTo(calls);
	}

	@Test
	void aGitHubThatDoesNotAnswerIsATransientTimeout() {
		this.gitHub.stub(get(urlPathEqualTo(RUNS + "/5"))
			.willReturn(okJson(GitHubStandIn.JSON.writeValueAsString(GitHubStandIn.run(5, "queued", null, "t")))
				.withFixedDelay(3000)));
		GitHubEngine engine = this.gitHub.engine(this.gitHub.properties(null, Duration.ofMillis(300)), this.clock,
				this.sleeps);
		assertThatExceptionOfType(EngineException.class).isThrownBy(() -> engine.status(new RunReference("5", null)))
			.matches(EngineException::isTransient);
	}

	@Test
	void collectFollowsTheRedirectWithoutTheTokenAndUnpacksTheResult(@TempDir Path directory)
			throws EngineException, IOException {
		this.gitHub.stubRun(GitHubStandIn.run(7892624040L, "completed", "success", "wheelfarm wf-7-1: demo 1.0"));
		Map<String, String> entries = new LinkedHashMap<>();
		entries.put("result.json", "{\"schema\":1}");
		entries.put("wheels/demo_project-1.0-py3-none-any.whl", "not really a wheel");
		this.gitHub.stubResultArtifact(7892624040L, GitHubStandIn.zip(entries));
		engine().collect(new RunReference("7892624040", null), directory);
		assertThat(directory.resolve("result.json")).hasContent("{\"schema\":1}");
		assertThat(directory.resolve("wheels/demo_project-1.0-py3-none-any.whl")).exists();
		this.gitHub.storage.verify(1,
				getRequestedFor(urlPathEqualTo("/signed/1242831517")).withHeader("Authorization", absent()));
	}

	@Test
	void collectReplaysTheRecordedArtifactDownload(@TempDir Path directory) throws EngineException {
		try (GitHubStandIn recorded = GitHubStandIn.replaying("wiremock/GHWorkflowRunTest/testArtifacts",
				"wiremock/GHWorkflowRunTest/testArtifacts_actions-user-content")) {
			// The recording's redirect points at GitHub's storage host; the same signed
			// path on the storage stand-in (whose recording demands no Authorization).
			String signed = "/u72ug1Ib1ZBCtek798HyrDYOU28rBK6ssrOKf37ZxrpgUbk95I/_apis/pipelines/1/runs/75/"
					+ "signedartifactscontent?artifactName=artifact1&urlExpires=2024-02-13T20%3A57%3A08.8035464Z"
					+ "&urlSigningMethod=HMACV2&urlSignature=V5LQZfOCN4yxeW3luEsxnxohpUdIpNTXhLFbFsPF3hw%3D";
			recorded.stub(get(urlPathEqualTo(REPO_PATH + "/actions/artifacts/1242831742/zip")).atPriority(1)
				.willReturn(GitHubStandIn.status(302).withHeader("Location", recorded.storage.baseUrl() + signed)));
			ObjectNode list = (ObjectNode) GitHubStandIn.JSON.readTree(Fixtures.text(
					"wiremock/GHWorkflowRunTest/testArtifacts/__files/6-r_h_g_actions_runs_7892624040_artifacts.json"));
			((ObjectNode) list.path("artifacts").get(1)).put("name", GitHubEngine.RESULT_ARTIFACT);
			recorded.stub(get(urlPathEqualTo(RUNS + "/7892624040/artifacts")).atPriority(1)
				.willReturn(okJson(GitHubStandIn.JSON.writeValueAsString(list))));
			recorded.stubRun(GitHubStandIn.run(7892624040L, "completed", "success", "t"));
			GitHubEngine engine = recorded.engine(recorded.properties(null, Duration.ofSeconds(5)), this.clock,
					this.sleeps);
			engine.collect(new RunReference("7892624040", null), directory);
			assertThat(directory.resolve("artifact1.txt")).hasContent("artifact1");
		}
	}

	@Test
	void onlyTheArtifactWithTheAssembleJobsNameIsTaken(@TempDir Path directory) {
		this.gitHub.stubRun(GitHubStandIn.run(7892624040L, "completed", "success", "t"));
		this.gitHub.stubResultArtifact(7892624040L, GitHubStandIn.zip(Map.of("result.json", "{}")),
				(artifact) -> artifact.put("name", "part-pure"));
		assertThatExceptionOfType(EngineException.class)
			.isThrownBy(() -> engine().collect(new RunReference("7892624040", null), directory))
			.matches((ex) -> !ex.isTransient())
			.withMessageContaining("no artifact named wheelfarm-result")
			.withMessageContaining("part-pure");
		assertThat(directory).isEmptyDirectory();
		assertThat(this.gitHub.storage.getAllServeEvents()).as("nothing downloaded").isEmpty();
	}

	@Test
	void aResultArtifactMadeByAnotherRunIsRefused(@TempDir Path directory) {
		this.gitHub.stubRun(GitHubStandIn.run(7892624040L, "completed", "success", "t"));
		this.gitHub.stubResultArtifact(7892624040L, GitHubStandIn.zip(Map.of("result.json", "{}")),
				(artifact) -> ((ObjectNode) artifact.path("workflow_run")).put("id", 7892624041L));
		assertThatExceptionOfType(EngineException.class)
			.isThrownBy(() -> engine().collect(new RunReference("7892624040", null), directory))
			.matches((ex) -> !ex.isTransient())
			.withMessageContaining("was made by run 7892624041");
		assertThat(directory).isEmptyDirectory();
		assertThat(this.gitHub.storage.getAllServeEvents()).as("nothing downloaded").isEmpty();
	}

	@Test
	void anArtifactThatEscapesItsDirectoryIsRefusedForGood(@TempDir Path parent) throws IOException {
		Path directory = Files.createDirectory(parent.resolve("out"));
		this.gitHub.stubRun(GitHubStandIn.run(7892624040L, "completed", "success", "t"));
		this.gitHub.stubResultArtifact(7892624040L, GitHubStandIn.zip(Map.of("../escaped.txt", "gotcha")));
		assertThatExceptionOfType(EngineException.class)
			.isThrownBy(() -> engine().collect(new RunReference("7892624040", null), directory))
			.matches((ex) -> !ex.isTransient())
			.withMessageContaining("Unsafe artifact");
		assertThat(parent.resolve("escaped.txt")).doesNotExist();
	}

	@Test
	void cancelReplaysTheRecordedCancel() throws EngineException {
		try (GitHubStandIn recorded = GitHubStandIn.replaying("wiremock/GHWorkflowRunTest/testCancelAndRerun", null)) {
			recorded.stub(get(urlPathEqualTo(RUNS + "/686036126")).atPriority(1)
				.willReturn(okJson(GitHubStandIn.JSON.writeValueAsString(
						GitHubStandIn.run(686036126, "in_progress", null, "wheelfarm wf-7-1: demo 1.0")))));
			GitHubEngine engine = recorded.engine(this.clock);
			engine.cancel(new RunReference("686036126", null));
			assertThat(recorded.apiCalls(postRequestedFor(urlPathEqualTo(RUNS + "/686036126/cancel")))).isEqualTo(1);
		}
	}

	@Test
	void aRunPastTheTimeLimitIsCancelledOnce() throws EngineException {
		ObjectNode run = GitHubStandIn.run(5, "in_progress", null, "wheelfarm wf-7-1: demo 1.0");
		run.put("created_at", "2022-08-17T06:00:00Z");
		this.gitHub.stubRun(run);
		this.gitHub.stub(post(urlPathEqualTo(RUNS + "/5/cancel")).willReturn(GitHubStandIn.status(202).withBody("{}")));
		GitHubEngine engine = engine();
		RunStatus status = engine.status(new RunReference("5", null));
		assertThat(status.phase()).isEqualTo(Phase.RUNNING);
		assertThat(status.detail()).contains("cancel requested");
		this.clock.advance(Duration.ofMinutes(30));
		engine.status(new RunReference("5", null));
		assertThat(this.gitHub.apiCalls(postRequestedFor(urlPathEqualTo(RUNS + "/5/cancel")))).isEqualTo(1);
	}

	@Test
	void aFailedRunGivesTheTailOfItsFailedJobsLog() throws EngineException {
		this.gitHub.stubRun(GitHubStandIn.run(719643947, "completed", "failure", "t"));
		ObjectNode jobs = (ObjectNode) GitHubStandIn.JSON.readTree(
				Fixtures.text("wiremock/GHWorkflowRunTest/testJobs/__files/7-r_h_g_actions_runs_719643947_jobs.json"));
		ObjectNode failed = (ObjectNode) jobs.path("jobs").get(0);
		failed.put("conclusion", "failure");
		this.gitHub.stub(get(urlPathEqualTo(RUNS + "/719643947/jobs"))
			.willReturn(okJson(GitHubStandIn.JSON.writeValueAsString(jobs))));
		String log = "x".repeat(GitHubEngine.LOG_TAIL_BYTES) + "\nerror: Microsoft Visual C++ 14.0 is required\n";
		this.gitHub.stub(get(urlPathEqualTo(REPO_PATH + "/actions/jobs/" + failed.path("id").asLong() + "/logs"))
			.willReturn(GitHubStandIn.status(302).withHeader("Location", this.gitHub.storage.baseUrl() + "/log")));
		this.gitHub.storage.stubFor(get(urlPathEqualTo("/log")).willReturn(GitHubStandIn.status(200).withBody(log)));
		String excerpt = engine().logExcerpt(new RunReference("719643947", null)).orElseThrow();
		assertThat(excerpt).contains(failed.path("name").asString()).endsWith("is required\n\n");
		assertThat(excerpt.length()).isLessThan(GitHubEngine.LOG_TAIL_BYTES + 200);
	}

}
