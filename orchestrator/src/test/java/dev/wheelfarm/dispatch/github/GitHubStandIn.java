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
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

/**
 * GitHub on 127.0.0.1: an API server that replays hub4j's recorded responses (and the
 * scenarios a test scripts on top), and a second server standing in for the artifact
 * storage host that GitHub's short-lived download redirects point to. The engine under
 * test is the real one, with the real hub4j client, pointed at the API server.
 */
public final class GitHubStandIn implements AutoCloseable {

	public static final String OWNER = "hub4j-test-org";

	public static final String REPO = "GHWorkflowRunTest";

	static final String REPO_PATH = "/repos/" + OWNER + "/" + REPO;

	/** The recordings' scrubbed credential: their mappings require exactly this. */
	public static final String TOKEN = "placeholder-password";

	/** What the runs of {@link #running} report as the token's remaining core budget. */
	public static final int RATE_LIMIT_REMAINING = 4321;

	static final JsonMapper JSON = JsonMapper.builder().build();

	final WireMockServer api;

	final WireMockServer storage;

	private WorkflowRunner runner;

	private GitHubStandIn(WireMockServer api, WireMockServer storage) {
		this.api = api;
		this.storage = storage;
	}

	/**
	 * GitHub Actions end to end for the farm's build repository: a dispatched workflow
	 * runs the real worker on this machine (see {@link WorkflowRunner}), its run and
	 * result artifact are served as GitHub serves them, and its webhooks are delivered
	 * once {@link #deliverWebhooksTo} says where.
	 */
	public static GitHubStandIn running(Path workspace) {
		WorkflowRunner runner = new WorkflowRunner(workspace);
		WireMockServer api = new WireMockServer(
				WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort().extensions(runner));
		WireMockServer storage = new WireMockServer(
				WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
		GitHubStandIn standIn = new GitHubStandIn(api, storage);
		standIn.runner = runner;
		runner.attach(standIn);
		api.start();
		storage.start();
		standIn.stubRepository();
		standIn.stub(post(urlPathEqualTo(REPO_PATH + "/actions/workflows/wheelfarm-build.yml/dispatches"))
			.willReturn(aResponse().withTransformers(WorkflowRunner.NAME)));
		return standIn;
	}

	/** The REST API root to point {@code wheelfarm.github.api-url} at. */
	public String apiUrl() {
		return this.api.baseUrl();
	}

	/** The repository's webhook: where {@code workflow_run} deliveries go, signed. */
	public void deliverWebhooksTo(URI url, String secret) {
		this.runner.deliverTo(url, secret);
	}

	/** The bodies of the {@code workflow_dispatch} calls GitHub accepted. */
	public List<JsonNode> dispatches() {
		return this.runner.dispatches();
	}

	/** The HTTP status the orchestrator answered each webhook delivery with. */
	public List<Integer> deliveryStatuses() {
		return this.runner.deliveries().stream().map(WorkflowRunner.Delivery::status).toList();
	}

	/** A stand-in that also replays one recorded hub4j test directory as it is. */
	static GitHubStandIn replaying(String recording, String storageRecording) {
		WireMockConfiguration apiOptions = WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort();
		if (recording != null) {
			apiOptions.usingFilesUnderDirectory(Fixtures.github(recording).toString());
		}
		WireMockConfiguration storageOptions = WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort();
		if (storageRecording != null) {
			storageOptions.usingFilesUnderDirectory(Fixtures.github(storageRecording).toString());
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
				TOKEN, null, null, null, webhookSecret, Duration.ofHours(3), Duration.ofMinutes(1),
				Duration.ofMinutes(10), requestTimeout);
	}

	GitHubEngine engine(GitHubProperties properties, Clock clock, List<Duration> sleeps) {
		return GitHubEngineConfiguration.create(properties, JSON, clock, sleeps::add, new SimpleMeterRegistry());
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
		ResponseDefinitionBuilder answer = okJson(JSON.writeValueAsString(run));
		if (this.runner != null) {
			// GitHub reports the primary rate limit on every answer.
			answer.withHeader("X-RateLimit-Limit", "5000")
				.withHeader("X-RateLimit-Remaining", Integer.toString(RATE_LIMIT_REMAINING))
				.withHeader("X-RateLimit-Used", Integer.toString(5000 - RATE_LIMIT_REMAINING))
				.withHeader("X-RateLimit-Resource", "core")
				.withHeader("X-RateLimit-Reset",
						Long.toString(java.time.Instant.now().plusSeconds(3600).getEpochSecond()));
		}
		stub(get(urlPathEqualTo(REPO_PATH + "/actions/runs/" + run.path("id").asLong())).willReturn(answer));
	}

	/**
	 * The run's artifacts as recorded (testArtifacts), the first renamed to the worker's
	 * result artifact; its zip answers with a 302 to the storage stand-in.
	 */
	void stubResultArtifact(long runId, byte[] zip) {
		stubResultArtifact(runId, -1, zip);
	}

	/** The same, the artifact re-identified (one per run when many runs are served). */
	void stubResultArtifact(long runId, long newArtifactId, byte[] zip) {
		ObjectNode list = (ObjectNode) JSON.readTree(Fixtures
			.text("wiremock/GHWorkflowRunTest/testArtifacts/__files/6-r_h_g_actions_runs_7892624040_artifacts.json"));
		ObjectNode first = (ObjectNode) list.path("artifacts").get(0);
		first.put("name", GitHubEngine.RESULT_ARTIFACT);
		if (newArtifactId > 0) {
			first.put("id", newArtifactId);
			first.put("size_in_bytes", zip.length);
			first.put("url", this.api.baseUrl() + REPO_PATH + "/actions/artifacts/" + newArtifactId);
			first.put("archive_download_url",
					this.api.baseUrl() + REPO_PATH + "/actions/artifacts/" + newArtifactId + "/zip");
			((ObjectNode) first.path("workflow_run")).put("id", runId);
		}
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
