package dev.wheelfarm.dispatch.github;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.wheelfarm.dispatch.local.LocalBuilderProperties;
import dev.wheelfarm.dispatch.local.LocalWorkerRunner;
import dev.wheelfarm.dispatch.local.WorkerInvocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * GitHub Actions on 127.0.0.1 that really builds: a {@code workflow_dispatch} of the
 * worker workflow starts a run that executes the real worker script (the one the workflow
 * runs) on this machine, and the run's {@code wheelfarm-result} artifact is the worker's
 * output directory, zipped as {@code actions/upload-artifact} zips the workflow's
 * {@code result} directory. The API answers are the recorded hub4j responses of
 * {@link GitHubStandIn}, re-identified per run; artifact downloads redirect to a second
 * server standing in for GitHub's artifact storage.
 * <p>
 * Fault scenarios are WireMock stubs a test adds on {@link #api} or {@link #storage} at a
 * higher priority (a lower number) than the {@value #NORMAL} of the normal answers. The
 * runner's Python sets {@code SOURCE_DATE_EPOCH}, as a CI runner set up for reproducible
 * builds does, so that two runs of the same job produce the same bytes.
 */
public final class GitHubActionsStandIn implements AutoCloseable {

	/** The priority of the normal answers; fault stubs take a lower number. */
	public static final int NORMAL = 10;

	public static final String DISPATCHES = GitHubStandIn.REPO_PATH
			+ "/actions/workflows/wheelfarm-build.yml/dispatches";

	public static final String RUNS = GitHubStandIn.REPO_PATH + "/actions/runs";

	private static final Pattern RUN_PATH = Pattern.compile(".*/actions/runs/([0-9]+)(/.*)?");

	private static final Pattern ARTIFACT_PATH = Pattern.compile(".*/(?:artifacts|signed)/([0-9]+)(/zip)?");

	public final WireMockServer api;

	public final WireMockServer storage;

	private final LocalWorkerRunner runner;

	private final Path workspace;

	private final ExecutorService machines = Executors.newFixedThreadPool(2);

	private final Map<Long, Run> runs = new ConcurrentHashMap<>();

	private final AtomicLong nextId = new AtomicLong(9_100_000_001L);

	private GitHubActionsStandIn(Path workspace) throws IOException {
		this.workspace = Files.createDirectories(workspace);
		Path python = reproduciblePython(workspace);
		this.runner = new LocalWorkerRunner(LocalBuilderProperties.defaults(python.toString())
			.withTimeout(java.time.Duration.ofMinutes(5))
			.withFetch(2, java.time.Duration.ofMillis(200)));
		this.api = new WireMockServer(WireMockConfiguration.options()
			.bindAddress("127.0.0.1")
			.dynamicPort()
			.extensions(new Transformer("dispatch", this::dispatch), new Transformer("run", this::run),
					new Transformer("runs", this::runList), new Transformer("artifacts", this::artifacts),
					new Transformer("zip-redirect", this::zipRedirect)));
		this.storage = new WireMockServer(WireMockConfiguration.options()
			.bindAddress("127.0.0.1")
			.dynamicPort()
			.extensions(new Transformer("zip", this::zip)));
		this.api.start();
		this.storage.start();
		this.api.stubFor(get(urlPathEqualTo(GitHubStandIn.REPO_PATH)).atPriority(NORMAL)
			.willReturn(aResponse().withHeader("Content-Type", "application/json")
				.withBody(Fixtures
					.text("wiremock/GHWorkflowRunTest/testArtifacts/__files/1-r_h_ghworkflowruntest.json"))));
		this.api.stubFor(post(urlPathEqualTo(DISPATCHES)).atPriority(NORMAL).willReturn(normal("dispatch")));
		this.api.stubFor(get(urlPathEqualTo(RUNS)).atPriority(NORMAL).willReturn(normal("runs")));
		this.api.stubFor(get(urlPathMatching(RUNS + "/[0-9]+")).atPriority(NORMAL).willReturn(normal("run")));
		this.api.stubFor(
				get(urlPathMatching(RUNS + "/[0-9]+/artifacts")).atPriority(NORMAL).willReturn(normal("artifacts")));
		this.api
			.stubFor(get(urlPathMatching(GitHubStandIn.REPO_PATH + "/actions/artifacts/[0-9]+/zip")).atPriority(NORMAL)
				.willReturn(normal("zip-redirect")));
		this.storage.stubFor(get(urlPathMatching("/signed/[0-9]+")).atPriority(NORMAL).willReturn(normal("zip")));
	}

	public static GitHubActionsStandIn start(Path workspace) {
		try {
			return new GitHubActionsStandIn(workspace);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The settings that point an orchestrator's GitHub engine here. */
	public Map<String, String> properties() {
		return Map.of("wheelfarm.builder", "github", "wheelfarm.github.api-url", this.api.baseUrl(),
				"wheelfarm.github.repository", GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO, "wheelfarm.github.token",
				GitHubStandIn.TOKEN);
	}

	/** How many runs were started for each request id. */
	public Map<String, Long> runsByRequest() {
		return this.runs.values()
			.stream()
			.collect(java.util.stream.Collectors.groupingBy(Run::requestId, java.util.stream.Collectors.counting()));
	}

	@Override
	public void close() {
		this.api.stop();
		this.storage.stop();
		this.machines.shutdownNow();
	}

	// ---- the answers

	private ResponseDefinition dispatch(ServeEvent event, ResponseDefinitionBuilder answer) {
		JsonNode inputs = GitHubStandIn.JSON.readTree(event.getRequest().getBodyAsString()).path("inputs");
		WorkerInvocation invocation = new WorkerInvocation(inputs.path("request_id").asString(),
				inputs.path("project").asString(), inputs.path("version").asString(),
				URI.create(inputs.path("sdist_url").asString()), inputs.path("sdist_sha256").asString(),
				inputs.path("options").asString());
		long id = this.nextId.getAndIncrement();
		Path directory = this.workspace.resolve("run-" + id);
		Run run = new Run(id, invocation, java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
				this.machines.submit(() -> artifact(invocation, directory)));
		this.runs.put(id, run);
		ObjectNode body = GitHubStandIn.JSON.createObjectNode();
		body.put("workflow_run_id", id);
		body.put("run_url", this.api.baseUrl() + RUNS + "/" + id);
		body.put("html_url",
				"https://github.com/" + GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO + "/actions/runs/" + id);
		return json(answer, 200, body);
	}

	private ResponseDefinition run(ServeEvent event, ResponseDefinitionBuilder answer) {
		Run run = this.runs.get(id(RUN_PATH, event));
		if (run == null) {
			return json(answer, 404, GitHubStandIn.JSON.createObjectNode().put("message", "Not Found"));
		}
		return json(answer, 200, run.json());
	}

	private ResponseDefinition runList(ServeEvent event, ResponseDefinitionBuilder answer) {
		JsonNode[] newestFirst = this.runs.values()
			.stream()
			.sorted(Comparator.comparingLong(Run::id).reversed())
			.map(Run::json)
			.toArray(JsonNode[]::new);
		return answer.withStatus(200)
			.withHeader("Content-Type", "application/json")
			.withBody(GitHubStandIn.runList(newestFirst))
			.build();
	}

	private ResponseDefinition artifacts(ServeEvent event, ResponseDefinitionBuilder answer) {
		Run run = this.runs.get(id(RUN_PATH, event));
		if (run == null || !run.artifact().isDone()) {
			return json(answer, 200, GitHubStandIn.JSON.createObjectNode().put("total_count", 0).putArray("artifacts"));
		}
		// The recorded list (testArtifacts), its first artifact renamed to the result.
		ObjectNode list = (ObjectNode) GitHubStandIn.JSON.readTree(Fixtures
			.text("wiremock/GHWorkflowRunTest/testArtifacts/__files/6-r_h_g_actions_runs_7892624040_artifacts.json"));
		((ObjectNode) list.path("artifacts").get(0)).put("name", GitHubEngine.RESULT_ARTIFACT)
			.put("id", run.id())
			.put("size_in_bytes", artifactBytes(run).length);
		return json(answer, 200, list);
	}

	private ResponseDefinition zipRedirect(ServeEvent event, ResponseDefinitionBuilder answer) {
		long id = id(ARTIFACT_PATH, event);
		return answer.withStatus(302)
			.withHeader("Location", this.storage.baseUrl() + "/signed/" + id + "?sig=x")
			.build();
	}

	private ResponseDefinition zip(ServeEvent event, ResponseDefinitionBuilder answer) {
		Run run = this.runs.get(id(ARTIFACT_PATH, event));
		if (run == null) {
			return answer.withStatus(404).build();
		}
		return answer.withStatus(200)
			.withHeader("Content-Type", "application/zip")
			.withBody(artifactBytes(run))
			.build();
	}

	private static ResponseDefinition json(ResponseDefinitionBuilder answer, int status, JsonNode body) {
		return answer.withStatus(status)
			.withHeader("Content-Type", "application/json")
			.withBody(GitHubStandIn.JSON.writeValueAsString(body))
			.build();
	}

	private static long id(Pattern pattern, ServeEvent event) {
		String path = URI.create(event.getRequest().getUrl()).getPath();
		Matcher matcher = pattern.matcher(path);
		return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
	}

	private static ResponseDefinitionBuilder normal(String transformer) {
		return aResponse().withTransformers(transformer);
	}

	// ---- the runner

	/** The job the workflow runs: the worker, then its output as the result artifact. */
	private byte[] artifact(WorkerInvocation invocation, Path directory) throws IOException {
		Path out = this.runner.run(invocation, directory).outputDirectory();
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.walk(out)) {
			for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
				zip.putNextEntry(new ZipEntry(out.relativize(file).toString()));
				Files.copy(file, zip);
				zip.closeEntry();
			}
		}
		return bytes.toByteArray();
	}

	private static byte[] artifactBytes(Run run) {
		try {
			return run.artifact().get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (java.util.concurrent.ExecutionException ex) {
			throw new IllegalStateException("the stand-in's run " + run.id() + " broke", ex.getCause());
		}
	}

	/** Python with SOURCE_DATE_EPOCH set: the build tools then write the same bytes. */
	private static Path reproduciblePython(Path workspace) throws IOException {
		Path wrapper = workspace.resolve("python3");
		Files.writeString(wrapper, "#!/bin/sh\nSOURCE_DATE_EPOCH=1700000000 exec "
				+ dev.wheelfarm.dispatch.local.Sdists.PYTHON + " \"$@\"\n");
		wrapper.toFile().setExecutable(true);
		return wrapper;
	}

	/** A workflow run: its worker runs on a "machine" of the pool. */
	private record Run(long id, WorkerInvocation invocation, java.time.Instant createdAt, Future<byte[]> artifact) {

		String requestId() {
			return this.invocation.requestId();
		}

		ObjectNode json() {
			boolean done = this.artifact.isDone();
			ObjectNode run = GitHubStandIn.run(this.id, done ? "completed" : "in_progress", done ? "success" : null,
					"wheelfarm " + requestId() + ": " + this.invocation.project() + " " + this.invocation.version());
			// The recording's times are years old: a run started now says so, or the
			// engine would take it for one that overran its time limit.
			run.put("created_at", this.createdAt.toString());
			run.put("run_started_at", this.createdAt.toString());
			run.put("updated_at", this.createdAt.toString());
			return run;
		}

	}

	/** A named WireMock transformer over one of the answers above. */
	private static final class Transformer implements ResponseDefinitionTransformerV2 {

		private final String name;

		private final Answer answer;

		Transformer(String name, Answer answer) {
			this.name = name;
			this.answer = answer;
		}

		@Override
		public ResponseDefinition transform(ServeEvent event) {
			// like() keeps what the stub set besides the body, e.g. a fault's delay.
			return this.answer.answer(event, ResponseDefinitionBuilder.like(event.getResponseDefinition()));
		}

		@Override
		public boolean applyGlobally() {
			return false;
		}

		@Override
		public String getName() {
			return this.name;
		}

	}

	@FunctionalInterface
	private interface Answer {

		ResponseDefinition answer(ServeEvent event, ResponseDefinitionBuilder answer);

	}

}
