package dev.wheelfarm.dispatch.github;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.wheelfarm.dispatch.install.WorkflowBundle;
import dev.wheelfarm.testsupport.TestSigstore;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * GitHub on 127.0.0.1: an API server that replays hub4j's recorded responses (and the
 * scenarios a test scripts on top), and a second server standing in for the artifact
 * storage host that GitHub's short-lived download redirects point to. The engine under
 * test is the real one, with the real hub4j client, pointed at the API server.
 * <p>
 * {@link #running} makes it GitHub Actions for the whole-farm tests (dispatched workflows
 * really run, webhooks are delivered, faults are scripted on top); {@link #start} and
 * {@link #replaying} leave every answer to the engine's unit tests.
 */
public final class GitHubStandIn implements AutoCloseable {

	public static final String OWNER = "hub4j-test-org";

	public static final String REPO = "GHWorkflowRunTest";

	static final String REPO_PATH = "/repos/" + OWNER + "/" + REPO;

	public static final String DISPATCHES = REPO_PATH + "/actions/workflows/wheelfarm-build.yml/dispatches";

	public static final String RUNS = REPO_PATH + "/actions/runs";

	/**
	 * The priority of a running stand-in's normal answers; faults take {@link #FAULT}.
	 */
	public static final int NORMAL = 10;

	static final int FAULT = 1;

	/** The answer to a {@code workflow_dispatch}: it starts the run. */
	public static final String DISPATCH_ANSWER = WorkflowRunner.DISPATCH;

	/** The answer to a read of one run. */
	public static final String RUN_ANSWER = WorkflowRunner.RUN;

	/** The recordings' scrubbed credential: their mappings require exactly this. */
	public static final String TOKEN = "placeholder-password";

	/** What the runs of {@link #running} report as the token's remaining core budget. */
	public static final int RATE_LIMIT_REMAINING = 4321;

	static final JsonMapper JSON = JsonMapper.builder().build();

	final WireMockServer api;

	final WireMockServer storage;

	private WorkflowRunner runner;

	private BuildRepositoryStandIn buildRepository;

	private Path trustedRoot;

	private final AtomicInteger faultScenarios = new AtomicInteger();

	private GitHubStandIn(WireMockServer api, WireMockServer storage) {
		this.api = api;
		this.storage = storage;
	}

	/**
	 * GitHub Actions end to end for the farm's build repository: a dispatched workflow
	 * runs the real worker on this machine (see {@link WorkflowRunner}), its run and
	 * result artifact are served as GitHub serves them, and its webhooks are delivered
	 * once {@link #deliverWebhooksTo} says where. Faults are scripted on top with
	 * {@link #failNext}, {@link #failNextDownloads} and {@link #failEverything}.
	 */
	public static GitHubStandIn running(Path workspace) {
		WorkflowRunner runner = new WorkflowRunner(workspace);
		WireMockServer api = new WireMockServer(
				WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort().extensions(runner.apiAnswers()));
		WireMockServer storage = new WireMockServer(WireMockConfiguration.options()
			.bindAddress("127.0.0.1")
			.dynamicPort()
			.extensions(runner.storageAnswers()));
		GitHubStandIn standIn = new GitHubStandIn(api, storage);
		standIn.runner = runner;
		// The farm's build repository, with the bundle this build ships installed: what
		// an
		// operator has after install-workflow.
		standIn.buildRepository = new BuildRepositoryStandIn(workspace.resolve("git"));
		standIn.buildRepository.install(WorkflowBundle.fromClasspath(), false);
		// Sigstore for the runs' signing step, and the root the farm verifies with.
		TestSigstore sigstore = new TestSigstore();
		runner.signWith(sigstore);
		standIn.trustedRoot = sigstore.writeTrustedRoot(workspace.resolve("sigstore/trusted_root.json"));
		api.start();
		storage.start();
		standIn.stubRepository();
		runner.attach(standIn);
		return standIn;
	}

	/**
	 * The build repository the runs check out and the trees API reads (a running
	 * stand-in's only).
	 */
	public BuildRepositoryStandIn buildRepository() {
		return this.buildRepository;
	}

	/**
	 * The {@code trusted_root.json} of the stand-in's Sigstore (its Fulcio CA and Rekor
	 * key), for {@code wheelfarm.provenance.trusted-root}.
	 */
	public String trustedRoot() {
		return this.trustedRoot.toString();
	}

	/**
	 * How the runs of {@code project} sign their wheels from now on (the workflow's own
	 * identity unless a test says otherwise).
	 */
	public void signing(String project, Signing signing) {
		this.runner.signing(project, signing);
	}

	/** What a run's signing step does. */
	public enum Signing {

		/**
		 * Signs each wheel as the build repository's build workflow: what the farm
		 * expects.
		 */
		AS_THE_WORKFLOW,
		/** Ships no attestation (the signing step did not run). */
		NONE,
		/** Signs as the same workflow file of another repository. */
		AS_ANOTHER_REPOSITORY,
		/** Signs as another workflow of the build repository. */
		AS_ANOTHER_WORKFLOW

	}

	/** The REST API root to point {@code wheelfarm.github.api-url} at. */
	public String apiUrl() {
		return this.api.baseUrl();
	}

	/** The settings that point an orchestrator's GitHub engine here. */
	public Map<String, String> farmProperties() {
		return Map.of("wheelfarm.engine", "github", "wheelfarm.github.api-url", apiUrl(), "wheelfarm.github.repository",
				OWNER + "/" + REPO, "wheelfarm.github.token", TOKEN, "wheelfarm.provenance.trusted-root",
				trustedRoot());
	}

	/** The repository's webhook: where {@code workflow_run} deliveries go, signed. */
	public void deliverWebhooksTo(URI url, String secret) {
		this.runner.deliverTo(url, secret);
	}

	/** The bodies of the {@code workflow_dispatch} calls GitHub accepted. */
	public List<JsonNode> dispatches() {
		return this.runner.dispatches();
	}

	/** How many workflow runs were started for each request id. */
	/**
	 * The workflow's platform matrix jobs of every run so far, as a runner would start
	 * them: the matrix entry and the cibuildwheel command and environment its worker
	 * prepared.
	 */
	public List<PlatformJob> platformJobs() {
		return this.runner.platformJobs();
	}

	/**
	 * One job of the workflow's {@code platform} matrix.
	 *
	 * @param requestId the dispatched request id
	 * @param platform the matrix entry's platform id
	 * @param runner the matrix entry's {@code runs-on}
	 * @param command cibuildwheel's command line as the worker prepared it
	 * @param environment the {@code CIBW_*} variables it runs with
	 */
	public record PlatformJob(String requestId, String platform, String runner, List<String> command,
			Map<String, String> environment) {

	}

	public Map<String, Long> runsByRequest() {
		return this.runner.runsByRequest();
	}

	/**
	 * Runs dispatched from now on stay in progress, their workflow done and their result
	 * not yet uploaded, until {@link #releaseRuns}.
	 */
	public void holdRuns() {
		this.runner.holdRuns();
	}

	/** Held runs complete, and later ones as soon as their workflow ran. */
	public void releaseRuns() {
		this.runner.releaseRuns();
	}

	/** The HTTP status the orchestrator answered each webhook delivery with. */
	public List<Integer> deliveryStatuses() {
		return this.runner.deliveries().stream().map(WorkflowRunner.Delivery::status).toList();
	}

	// ---- faults (for a running stand-in)

	/**
	 * The next API requests that {@code request} matches get {@code answers}, one each in
	 * turn; later ones the normal answer again. Each answer is a stub of its own (a fresh
	 * builder from {@code request}: one builder's stubs share an id).
	 */
	public void failNext(Supplier<MappingBuilder> request, ResponseDefinitionBuilder... answers) {
		sequence(this.api, request, answers);
	}

	/** The same for downloads from the artifact storage host. */
	public void failNextDownloads(ResponseDefinitionBuilder... answers) {
		sequence(this.storage, () -> get(urlPathMatching("/signed/[0-9]+")), answers);
	}

	/** Every API request gets {@code answer} from now on: GitHub is down. */
	public void failEverything(ResponseDefinitionBuilder answer) {
		this.api.stubFor(any(anyUrl()).atPriority(FAULT).willReturn(answer));
	}

	/**
	 * A normal answer ({@link #DISPATCH_ANSWER}, {@link #RUN_ANSWER}) as a fault's base,
	 * e.g. with a delay past the client's timeout: the run starts, the answer is lost.
	 */
	public static ResponseDefinitionBuilder normalAnswer(String name) {
		return WorkflowRunner.answer(name);
	}

	/** How many requests a scripted fault answered (on the API and the storage host). */
	public int faultsServed() {
		return Stream.of(this.api, this.storage)
			.flatMap((server) -> server.getAllServeEvents().stream())
			.filter((event) -> event.getStubMapping() != null && event.getStubMapping().getPriority() != null
					&& event.getStubMapping().getPriority() < NORMAL)
			.mapToInt((event) -> 1)
			.sum();
	}

	/** How many API requests {@code pattern} matches. */
	public int requests(RequestPatternBuilder pattern) {
		return apiCalls(pattern);
	}

	private void sequence(WireMockServer server, Supplier<MappingBuilder> request,
			ResponseDefinitionBuilder... answers) {
		String scenario = "fault-" + this.faultScenarios.incrementAndGet();
		for (int i = 0; i < answers.length; i++) {
			server.stubFor(request.get()
				.atPriority(FAULT)
				.inScenario(scenario)
				.whenScenarioStateIs((i == 0) ? Scenario.STARTED : scenario + "-" + i)
				.willReturn(answers[i])
				.willSetStateTo(scenario + "-" + (i + 1)));
		}
	}

	/** A stand-in that also replays one recorded hub4j test directory as it is. */
	static GitHubStandIn replaying(String recording, String storageRecording) {
		WireMockConfiguration apiOptions = WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort();
		if (recording != null) {
			apiOptions.usingFilesUnderClasspath(Fixtures.classpath(recording));
		}
		WireMockConfiguration storageOptions = WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort();
		if (storageRecording != null) {
			storageOptions.usingFilesUnderClasspath(Fixtures.classpath(storageRecording));
		}
		GitHubStandIn standIn = new GitHubStandIn(new WireMockServer(apiOptions), new WireMockServer(storageOptions));
		standIn.api.start();
		standIn.storage.start();
		standIn.stubRepository();
		return standIn;
	}

	static GitHubStandIn start() {
		return replaying(null, null);
	}

	GitHubProperties properties(String webhookSecret, Duration requestTimeout) {
		return new GitHubProperties(URI.create(this.api.baseUrl()), OWNER + "/" + REPO, "wheelfarm-build.yml", "main",
				TOKEN, null, null, null, webhookSecret, Duration.ofMinutes(1), Duration.ofMinutes(10), requestTimeout,
				URI.create("https://github.com/"), Duration.ofMinutes(5));
	}

	GitHubEngine engine(GitHubProperties properties, Clock clock, List<Duration> sleeps) {
		// A run limit (wheelfarm.dispatch.run-timeout) none of the tests' runs reaches.
		return GitHubEngineConfiguration.create(properties, Duration.ofHours(3), JSON, clock, sleeps::add,
				new SimpleMeterRegistry());
	}

	GitHubEngine engine(Clock clock) {
		return engine(properties(null, Duration.ofSeconds(5)), clock, new ArrayList<>());
	}

	// The repository is read once per engine; its recording names the owner and the
	// name every later hub4j URL is built from.
	private void stubRepository() {
		this.api.stubFor(get(urlPathEqualTo(REPO_PATH)).atPriority(10)
			.willReturn(okJson(
					Fixtures.text("wiremock/GHWorkflowRunTest/testArtifacts/__files/1-r_h_ghworkflowruntest.json"))));
	}

	void stub(MappingBuilder mapping) {
		this.api.stubFor(mapping);
	}

	/** A recorded run, re-identified and re-titled for the scenario. */
	static ObjectNode run(String fixture, long id, String status, String conclusion, String displayTitle) {
		ObjectNode run = (ObjectNode) JSON.readTree(Fixtures.text(fixture));
		run.put("id", id);
		run.put("status", status);
		if (conclusion != null) {
			run.put("conclusion", conclusion);
		}
		else {
			run.putNull("conclusion");
		}
		run.put("display_title", displayTitle);
		return run;
	}

	/** The completed/success run of the testApproval recording. */
	static ObjectNode run(long id, String status, String conclusion, String displayTitle) {
		return run("wiremock/GHWorkflowRunTest/testApproval/__files/5-r_h_g_actions_runs_2874767918.json", id, status,
				conclusion, displayTitle);
	}

	static String runList(JsonNode... runs) {
		ObjectNode list = JSON.createObjectNode();
		list.put("total_count", runs.length);
		ArrayNode array = list.putArray("workflow_runs");
		for (JsonNode run : runs) {
			array.add(run);
		}
		return JSON.writeValueAsString(list);
	}

	void stubRun(ObjectNode run) {
		stub(get(urlPathEqualTo(REPO_PATH + "/actions/runs/" + run.path("id").asLong()))
			.willReturn(okJson(JSON.writeValueAsString(run))));
	}

	/**
	 * The run's artifacts as recorded (testArtifacts), the first renamed to the worker's
	 * result artifact; its zip answers with a 302 to the storage stand-in.
	 */
	void stubResultArtifact(long runId, byte[] zip) {
		stubResultArtifact(runId, zip, (artifact) -> {
		});
	}

	/** The same, with the listed result artifact changed by {@code change}. */
	void stubResultArtifact(long runId, byte[] zip, java.util.function.Consumer<ObjectNode> change) {
		ObjectNode list = (ObjectNode) JSON.readTree(Fixtures
			.text("wiremock/GHWorkflowRunTest/testArtifacts/__files/6-r_h_g_actions_runs_7892624040_artifacts.json"));
		ObjectNode first = (ObjectNode) list.path("artifacts").get(0);
		first.put("name", GitHubEngine.RESULT_ARTIFACT);
		((ObjectNode) first.path("workflow_run")).put("id", runId);
		change.accept(first);
		long artifactId = first.path("id").asLong();
		stub(get(urlPathEqualTo(REPO_PATH + "/actions/runs/" + runId + "/artifacts"))
			.willReturn(okJson(JSON.writeValueAsString(list))));
		String signedPath = "/signed/" + artifactId + "?sig=abc";
		stub(get(urlPathEqualTo(REPO_PATH + "/actions/artifacts/" + artifactId + "/zip"))
			.willReturn(aResponse().withStatus(302).withHeader("Location", this.storage.baseUrl() + signedPath)));
		this.storage.stubFor(get(urlPathEqualTo("/signed/" + artifactId))
			.willReturn(aResponse().withHeader("Content-Type", "application/zip").withBody(zip)));
	}

	static byte[] zip(Map<String, String> entries) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
			for (Map.Entry<String, String> entry : entries.entrySet()) {
				zip.putNextEntry(new ZipEntry(entry.getKey()));
				zip.write(entry.getValue().getBytes(StandardCharsets.UTF_8));
				zip.closeEntry();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return bytes.toByteArray();
	}

	static ResponseDefinitionBuilder status(int status) {
		return aResponse().withStatus(status).withHeader("Content-Type", "application/json");
	}

	/** Calls that reached the API server (the storage host is not GitHub's API). */
	int apiCalls() {
		return this.api.countRequestsMatching(anyRequestedFor(anyUrl()).build()).getCount();
	}

	int apiCalls(RequestPatternBuilder pattern) {
		return this.api.countRequestsMatching(pattern.build()).getCount();
	}

	void resetCounts() {
		this.api.resetRequests();
		this.storage.resetRequests();
	}

	@Override
	public void close() {
		if (this.runner != null) {
			this.runner.close();
		}
		this.api.stop();
		this.storage.stop();
	}

}
