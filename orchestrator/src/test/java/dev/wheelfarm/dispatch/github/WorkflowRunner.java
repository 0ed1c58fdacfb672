package dev.wheelfarm.dispatch.github;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.Extension;
import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.wheelfarm.dispatch.install.WorkflowBundle;
import dev.wheelfarm.testsupport.TestSigstore;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * The part of the GitHub stand-in that plays GitHub Actions: it answers a
 * {@code workflow_dispatch} with the new run's details, then runs the workflow the way a
 * runner would (the build repository's files, as the orchestrator installs them, checked
 * out into a directory of their own; the worker's {@code pure} and {@code assemble}
 * stages with the workflow's arguments; see {@link #runWorkflow}), uploads the
 * {@code wheelfarm-result} artifact, moves the run through {@code queued},
 * {@code in_progress} and {@code completed}, and delivers the signed {@code workflow_run}
 * webhooks of each ({@code requested}, {@code in_progress}, {@code completed}).
 * <p>
 * Every answer is computed from the runs' state when it is asked for (named WireMock
 * transformers on stubs of priority {@value GitHubStandIn#NORMAL}), so a test scripts a
 * fault as a stub of its own at a lower number and the normal answer resumes after it; a
 * fault may also be the normal answer late ({@link GitHubStandIn#normalAnswer}). Runs,
 * run lists, artifacts and deliveries have the shapes of the recorded fixtures. The
 * runner's Python gets {@code SOURCE_DATE_EPOCH}, as a CI runner set up for reproducible
 * builds does, so two runs of the same job produce the same bytes.
 */
final class WorkflowRunner {

	static final String DISPATCH = "dispatch";

	static final String RUN = "run";

	private static final String RUN_LIST = "runs";

	private static final String ARTIFACTS = "artifacts";

	private static final String DOWNLOAD = "download";

	private static final String STORED_ZIP = "stored-zip";

	private static final String TREES = "trees";

	private static final Pattern TREE_PATH = Pattern.compile(".*/git/trees/([^/]+)");

	private static final Logger logger = LoggerFactory.getLogger(WorkflowRunner.class);

	/** Debian's interpreter, with the offline build toolchain (environment.md). */
	private static final String PYTHON = "/usr/bin/python3";

	private static final String WORKER = WorkflowBundle.WORKER_DIR + "wheelfarm_worker.py";

	private static final Pattern RUN_PATH = Pattern.compile(".*/actions/runs/([0-9]+)(/.*)?");

	private static final Pattern ARTIFACT_PATH = Pattern.compile(".*/(?:artifacts|signed)/([0-9]+)(/zip)?");

	private final Path workspace;

	private final AtomicLong runIds = new AtomicLong(9_100_000_000L);

	private final ExecutorService runners = Executors.newFixedThreadPool(2, (task) -> {
		Thread thread = new Thread(task, "github-standin-runner");
		thread.setDaemon(true);
		return thread;
	});

	private final HttpClient http = HttpClient.newHttpClient();

	private final Map<Long, Run> runs = new ConcurrentHashMap<>();

	/**
	 * The dispatch answers not sent yet, by WireMock's event: each run's runner waits for
	 * its own.
	 */
	private final Map<UUID, CountDownLatch> dispatching = new ConcurrentHashMap<>();

	private final List<JsonNode> dispatches = new CopyOnWriteArrayList<>();

	private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();

	private final List<GitHubStandIn.PlatformJob> platformJobs = new CopyOnWriteArrayList<>();

	private volatile GitHubStandIn gitHub;

	private volatile TestSigstore sigstore;

	private final Map<String, GitHubStandIn.Signing> signing = new ConcurrentHashMap<>();

	private volatile URI webhook;

	// Opened: runs complete as soon as their workflow ran. A test closes it to keep runs
	// in progress (a replica is killed while it follows them) and opens it again.
	private volatile CountDownLatch completion = new CountDownLatch(0);

	private volatile WebhookSignature signer;

	WorkflowRunner(Path workspace) {
		this.workspace = workspace;
	}

	/** The transformers of the API server's answers. */
	Extension[] apiAnswers() {
		return new Extension[] { new Answer(DISPATCH, this::dispatch), new Answer(RUN, this::run),
				new Answer(RUN_LIST, this::runList), new Answer(ARTIFACTS, this::artifacts),
				new Answer(DOWNLOAD, this::download), new Answer(TREES, this::tree), new PickUp() };
	}

	/** The transformer of the artifact storage host's answer. */
	Extension[] storageAnswers() {
		return new Extension[] { new Answer(STORED_ZIP, this::storedZip) };
	}

	/** Serves the answers on the started servers of {@code gitHub}. */
	void attach(GitHubStandIn gitHub) {
		this.gitHub = gitHub;
		WireMockServer api = gitHub.api;
		int normal = GitHubStandIn.NORMAL;
		api.stubFor(post(urlPathEqualTo(GitHubStandIn.DISPATCHES)).atPriority(normal).willReturn(answer(DISPATCH)));
		api.stubFor(get(urlPathEqualTo(GitHubStandIn.RUNS)).atPriority(normal).willReturn(answer(RUN_LIST)));
		api.stubFor(get(urlPathMatching(GitHubStandIn.RUNS + "/[0-9]+")).atPriority(normal).willReturn(answer(RUN)));
		api.stubFor(get(urlPathMatching(GitHubStandIn.RUNS + "/[0-9]+/artifacts")).atPriority(normal)
			.willReturn(answer(ARTIFACTS)));
		api.stubFor(get(urlPathMatching(GitHubStandIn.REPO_PATH + "/actions/artifacts/[0-9]+/zip")).atPriority(normal)
			.willReturn(answer(DOWNLOAD)));
		api.stubFor(get(urlPathMatching(GitHubStandIn.REPO_PATH + "/git/trees/[^/]+")).atPriority(normal)
			.willReturn(answer(TREES)));
		gitHub.storage
			.stubFor(get(urlPathMatching("/signed/[0-9]+")).atPriority(normal).willReturn(answer(STORED_ZIP)));
	}

	static ResponseDefinitionBuilder answer(String name) {
		return aResponse().withTransformers(name);
	}

	void signWith(TestSigstore sigstore) {
		this.sigstore = sigstore;
	}

	void holdRuns() {
		this.completion = new CountDownLatch(1);
	}

	void releaseRuns() {
		this.completion.countDown();
	}

	void signing(String project, GitHubStandIn.Signing how) {
		this.signing.put(project, how);
	}

	/** Where GitHub delivers the build repository's webhooks, signed with the secret. */
	void deliverTo(URI webhook, String secret) {
		this.webhook = webhook;
		this.signer = new WebhookSignature(secret);
	}

	List<JsonNode> dispatches() {
		return List.copyOf(this.dispatches);
	}

	List<GitHubStandIn.PlatformJob> platformJobs() {
		return List.copyOf(this.platformJobs);
	}

	List<Delivery> deliveries() {
		return List.copyOf(this.deliveries);
	}

	Map<String, Long> runsByRequest() {
		return this.runs.values()
			.stream()
			.collect(Collectors.groupingBy((run) -> run.inputs.path("request_id").asString(), Collectors.counting()));
	}

	// ---- the answers

	private ResponseDefinition dispatch(ServeEvent event, ResponseDefinitionBuilder answer) {
		JsonNode body;
		try {
			body = GitHubStandIn.JSON.readTree(event.getRequest().getBodyAsString());
		}
		catch (JacksonException ex) {
			return problem(answer, 400, "Problems parsing JSON");
		}
		JsonNode inputs = body.path("inputs");
		if (!"main".equals(body.path("ref").asString(null)) || !inputs.isObject() || inputs.size() > 25
				|| inputs.valueStream().anyMatch((value) -> !value.isString())) {
			return problem(answer, 422, "Invalid request: ref must be main and inputs at most 25 strings");
		}
		this.dispatches.add(body);
		long runId = this.runIds.incrementAndGet();
		Run run = new Run(runId, inputs, Instant.now().truncatedTo(ChronoUnit.SECONDS));
		this.runs.put(runId, run);
		CountDownLatch answered = new CountDownLatch(1);
		this.dispatching.put(event.getId(), answered);
		this.runners.submit(() -> execute(run, answered));
		if (!body.path("return_run_details").asBoolean(false)) {
			return gitHubAnswer(answer).withStatus(204).build();
		}
		ObjectNode details = GitHubStandIn.JSON.createObjectNode();
		details.put("workflow_run_id", runId);
		details.put("run_url", this.gitHub.apiUrl() + GitHubStandIn.RUNS + "/" + runId);
		details.put("html_url", htmlUrl(runId));
		return json(answer, 200, details);
	}

	private ResponseDefinition run(ServeEvent event, ResponseDefinitionBuilder answer) {
		Run run = this.runs.get(id(RUN_PATH, event));
		if (run == null) {
			return problem(answer, 404, "Not Found");
		}
		return json(answer, 200, run.json());
	}

	private ResponseDefinition runList(ServeEvent event, ResponseDefinitionBuilder answer) {
		JsonNode[] newestFirst = this.runs.values()
			.stream()
			.sorted(Comparator.comparingLong(Run::id).reversed())
			.map(Run::json)
			.toArray(JsonNode[]::new);
		return json(answer, 200, GitHubStandIn.JSON.readTree(GitHubStandIn.runList(newestFirst)));
	}

	/**
	 * The recorded artifact list (testArtifacts), its first artifact renamed to the
	 * worker's result and re-identified as the run (one result per run); empty until the
	 * run uploaded it.
	 */
	private ResponseDefinition artifacts(ServeEvent event, ResponseDefinitionBuilder answer) {
		Run run = this.runs.get(id(RUN_PATH, event));
		if (run == null) {
			return problem(answer, 404, "Not Found");
		}
		byte[] zip = run.artifact;
		if (zip == null) {
			ObjectNode none = GitHubStandIn.JSON.createObjectNode().put("total_count", 0);
			none.putArray("artifacts");
			return json(answer, 200, none);
		}
		ObjectNode list = (ObjectNode) GitHubStandIn.JSON.readTree(Fixtures
			.text("wiremock/GHWorkflowRunTest/testArtifacts/__files/6-r_h_g_actions_runs_7892624040_artifacts.json"));
		ObjectNode first = (ObjectNode) list.path("artifacts").get(0);
		String url = this.gitHub.apiUrl() + GitHubStandIn.REPO_PATH + "/actions/artifacts/" + run.id;
		first.put("name", GitHubEngine.RESULT_ARTIFACT)
			.put("id", run.id)
			.put("size_in_bytes", zip.length)
			.put("url", url)
			.put("archive_download_url", url + "/zip");
		((ObjectNode) first.path("workflow_run")).put("id", run.id);
		return json(answer, 200, list);
	}

	/**
	 * The build repository's tree at a branch, read from the bare repository the farm's
	 * installer pushes to: 409 while it is empty, 404 for a branch it does not have.
	 */
	private ResponseDefinition tree(ServeEvent event, ResponseDefinitionBuilder answer) {
		Matcher matcher = TREE_PATH.matcher(URI.create(event.getRequest().getUrl()).getPath());
		if (!matcher.matches()) {
			return problem(answer, 404, "Not Found");
		}
		if (this.gitHub.buildRepository().isEmpty()) {
			return problem(answer, 409, "Git Repository is empty.");
		}
		ObjectNode tree = this.gitHub.buildRepository().tree(matcher.group(1), this.gitHub.apiUrl());
		return (tree != null) ? json(answer, 200, tree) : problem(answer, 404, "Not Found");
	}

	/** GitHub answers a download with a short-lived redirect to its storage host. */
	private ResponseDefinition download(ServeEvent event, ResponseDefinitionBuilder answer) {
		return gitHubAnswer(answer).withStatus(302)
			.withHeader("Location", this.gitHub.storage.baseUrl() + "/signed/" + id(ARTIFACT_PATH, event) + "?sig=abc")
			.build();
	}

	private ResponseDefinition storedZip(ServeEvent event, ResponseDefinitionBuilder answer) {
		Run run = this.runs.get(id(ARTIFACT_PATH, event));
		if (run == null || run.artifact == null) {
			return answer.withStatus(404).build();
		}
		return answer.withStatus(200).withHeader("Content-Type", "application/zip").withBody(run.artifact).build();
	}

	/** GitHub reports the token's primary rate limit on every API answer. */
	private static ResponseDefinitionBuilder gitHubAnswer(ResponseDefinitionBuilder answer) {
		return answer.withHeader("X-RateLimit-Limit", "5000")
			.withHeader("X-RateLimit-Remaining", Integer.toString(GitHubStandIn.RATE_LIMIT_REMAINING))
			.withHeader("X-RateLimit-Used", Integer.toString(5000 - GitHubStandIn.RATE_LIMIT_REMAINING))
			.withHeader("X-RateLimit-Resource", "core")
			.withHeader("X-RateLimit-Reset", Long.toString(Instant.now().plusSeconds(3600).getEpochSecond()));
	}

	private static ResponseDefinition json(ResponseDefinitionBuilder answer, int status, JsonNode body) {
		return gitHubAnswer(answer).withStatus(status)
			.withHeader("Content-Type", "application/json")
			.withBody(GitHubStandIn.JSON.writeValueAsString(body))
			.build();
	}

	private static ResponseDefinition problem(ResponseDefinitionBuilder answer, int status, String message) {
		return json(answer, status, GitHubStandIn.JSON.createObjectNode().put("message", message));
	}

	private static long id(Pattern pattern, ServeEvent event) {
		Matcher matcher = pattern.matcher(URI.create(event.getRequest().getUrl()).getPath());
		return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
	}

	// ---- the runner

	private void execute(Run run, CountDownLatch answered) {
		try {
			// GitHub queues a run once it accepted the dispatch, so the orchestrator
			// holds the run's details before the run moves on. An answer lost on the way
			// (a fault test's) does not stop the run, as on GitHub: the wait is bounded.
			if (!answered.await(10, TimeUnit.SECONDS)) {
				logger.info("Run {}: the dispatch answer was not sent; running it anyway", run.id);
			}
			deliver(run, "requested");
			run.moveTo("in_progress", null);
			deliver(run, "in_progress");
			Path checkout = checkout(run.id);
			boolean succeeded = runWorkflow(checkout, run.inputs) && attest(checkout, run.inputs);
			this.completion.await();
			run.artifact = zip(checkout.resolve("runner-temp/result"));
			run.moveTo("completed", succeeded ? "success" : "failure");
			deliver(run, "completed");
		}
		catch (IOException ex) {
			logger.warn("The stand-in's run {} broke", run.id, ex);
			run.moveTo("completed", "failure");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * The build repository at the dispatched ref: the files the orchestrator's installer
	 * pushed, as {@code actions/checkout} gives them to the job.
	 */
	private Path checkout(long runId) throws IOException {
		Path checkout = Files.createDirectories(this.workspace.resolve("run-" + runId));
		this.gitHub.buildRepository().checkout("main", checkout);
		return checkout;
	}

	/**
	 * The workflow's jobs in order: {@code pure}, the {@code platform} matrix it asks
	 * for, then {@code assemble} unless cancelled. Each matrix job starts as on its
	 * runner: the worker of the {@code platform} stage with the matrix entry's platform,
	 * which prepares cibuildwheel's command and {@code CIBW_*} environment (recorded, see
	 * {@link #platformJobs}). cibuildwheel itself (which the job installs from PyPI) and
	 * macOS and Windows runners are not on this machine, so the jobs stop at the plan
	 * ({@code --cibuildwheel plan}) and the release is built as the local builder builds
	 * it (the worker's {@code run}, its result in the same place), which gives what this
	 * machine can make: a native wheel, or the failure of the pure build. The run fails
	 * when a job does, as on GitHub.
	 */
	private boolean runWorkflow(Path checkout, JsonNode inputs) throws IOException, InterruptedException {
		Path temp = checkout.resolve("runner-temp");
		Path githubOutput = temp.resolve("github-output");
		Files.createDirectories(temp);
		List<String> request = List.of("--request-id", inputs.path("request_id").asString(), "--project",
				inputs.path("project").asString(), "--version", inputs.path("version").asString(), "--sdist-url",
				inputs.path("sdist_url").asString(), "--sdist-sha256", inputs.path("sdist_sha256").asString(),
				"--options", inputs.path("options").asString("{}"));
		// --no-isolation: a GitHub runner installs the build backends from PyPI; this
		// machine has them installed and no PyPI to fetch from.
		boolean ok = step(checkout, "pure", request, "--out", temp.resolve("parts/part-pure").toString(), "--work",
				temp.resolve("work").toString(), "--no-isolation", "--github-output", githubOutput.toString());
		String outputs = Files.isRegularFile(githubOutput) ? Files.readString(githubOutput) : "";
		if (outputs.contains("needs-platform-build=true")) {
			for (JsonNode entry : matrix(outputs).path("include")) {
				platformJob(checkout, inputs, request, entry);
			}
			return ok & step(checkout, "run", request, "--out", temp.resolve("result").toString(), "--work",
					temp.resolve("work-run").toString(), "--python", PYTHON, "--no-isolation");
		}
		return ok & step(checkout, "assemble", List.of(), "--parts", temp.resolve("parts").toString(), "--out",
				temp.resolve("result").toString());
	}

	/**
	 * The assemble job's signing step: the worker writes each wheel's in-toto statement,
	 * the stand-in's Sigstore signs it as cosign does on a runner (a Fulcio certificate
	 * for the workflow's identity, a Rekor entry), and the worker turns each bundle into
	 * the wheel's PEP 740 attestation. A test may make a project's runs sign as someone
	 * else, or not at all.
	 */
	private boolean attest(Path checkout, JsonNode inputs) throws IOException, InterruptedException {
		GitHubStandIn.Signing how = this.signing.getOrDefault(inputs.path("project").asString(),
				GitHubStandIn.Signing.AS_THE_WORKFLOW);
		Path result = checkout.resolve("runner-temp/result");
		if (how == GitHubStandIn.Signing.NONE || !Files.isRegularFile(result.resolve("result.json"))) {
			return true;
		}
		if (!step(checkout, "statements", List.of(), "--result", result.toString())) {
			return false;
		}
		TestSigstore.Identity identity = switch (how) {
			case AS_ANOTHER_REPOSITORY ->
				new TestSigstore.Identity("mallory/" + GitHubStandIn.REPO, "wheelfarm-build.yml", "refs/heads/main");
			case AS_ANOTHER_WORKFLOW -> new TestSigstore.Identity(GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO,
					"other.yml", "refs/heads/main");
			default -> new TestSigstore.Identity(GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO, "wheelfarm-build.yml",
					"refs/heads/main");
		};
		if (!Files.isDirectory(result.resolve("wheels"))) {
			return true;
		}
		try (Stream<Path> files = Files.list(result.resolve("wheels"))) {
			for (Path statement : files.filter((f) -> f.getFileName().toString().endsWith(".whl.statement.json"))
				.toList()) {
				String wheel = statement.toString()
					.substring(0, statement.toString().length() - ".statement.json".length());
				Files.writeString(Path.of(wheel + ".sigstore.json"),
						this.sigstore.bundle(Files.readAllBytes(statement), identity));
			}
		}
		return step(checkout, "pep740", List.of(), "--result", result.toString());
	}

	/**
	 * The {@code matrix=} output of the pure job, as the workflow's fromJSON reads it.
	 */
	private static JsonNode matrix(String githubOutput) {
		return githubOutput.lines()
			.filter((line) -> line.startsWith("matrix="))
			.map((line) -> GitHubStandIn.JSON.readTree(line.substring("matrix=".length())))
			.reduce((first, last) -> last)
			.orElseGet(GitHubStandIn.JSON::createObjectNode);
	}

	private void platformJob(Path checkout, JsonNode inputs, List<String> request, JsonNode entry)
			throws IOException, InterruptedException {
		String platform = entry.path("platform").asString();
		Path out = checkout.resolve("runner-temp/platform-" + platform);
		List<String> arguments = new ArrayList<>(request);
		arguments.addAll(List.of("--platform", platform, "--cibuildwheel", "plan", "--out", out.toString(), "--work",
				out.resolve("work").toString()));
		step(checkout, "platform", arguments);
		JsonNode plan = GitHubStandIn.JSON.readTree(out.resolve("result.json").toFile())
			.path("cibuildwheel_plan")
			.path(0);
		List<String> command = plan.path("command").valueStream().map(JsonNode::asString).toList();
		Map<String, String> environment = new java.util.TreeMap<>();
		plan.path("environment")
			.properties()
			.forEach((variable) -> environment.put(variable.getKey(), variable.getValue().asString()));
		this.platformJobs.add(new GitHubStandIn.PlatformJob(inputs.path("request_id").asString(), platform,
				entry.path("runner").asString(), command, environment));
	}

	private boolean step(Path checkout, String stage, List<String> request, String... more)
			throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(PYTHON, WORKER, stage));
		if ("pure".equals(stage)) {
			command.add("--echo");
		}
		command.addAll(request);
		command.addAll(List.of(more));
		Path log = checkout.resolve("runner-temp/" + stage + ".log");
		ProcessBuilder builder = new ProcessBuilder(command).directory(checkout.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		builder.environment().put("SOURCE_DATE_EPOCH", "1700000000");
		Process process = builder.start();
		if (!process.waitFor(5, TimeUnit.MINUTES)) {
			process.destroyForcibly();
			return false;
		}
		return process.exitValue() == 0;
	}

	private void deliver(Run run, String action) throws IOException, InterruptedException {
		URI target = this.webhook;
		if (target == null) {
			return;
		}
		ObjectNode payload = (ObjectNode) GitHubStandIn.JSON
			.readTree(Fixtures.text("webhooks/octokit-webhooks/workflow_run/completed.payload.json"));
		payload.put("action", action);
		ObjectNode shown = run.json();
		ObjectNode deliveredRun = (ObjectNode) payload.path("workflow_run");
		for (String field : List.of("id", "status", "conclusion", "display_title", "name", "event", "created_at",
				"updated_at", "run_started_at", "html_url")) {
			deliveredRun.set(field, shown.get(field));
		}
		((ObjectNode) payload.path("repository")).put("full_name", GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO);
		byte[] body = GitHubStandIn.JSON.writeValueAsBytes(payload);
		String delivery = UUID.randomUUID().toString();
		HttpResponse<Void> response = this.http.send(HttpRequest.newBuilder(target)
			.header("Content-Type", "application/json")
			.header("User-Agent", "GitHub-Hookshot/standin")
			.header("X-GitHub-Event", "workflow_run")
			.header("X-GitHub-Delivery", delivery)
			.header("X-Hub-Signature-256", this.signer.sign(body))
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build(), HttpResponse.BodyHandlers.discarding());
		this.deliveries.add(new Delivery(delivery, action, response.statusCode()));
	}

	private static String htmlUrl(long runId) {
		return "https://github.com/" + GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO + "/actions/runs/" + runId;
	}

	/** The artifact as actions/upload-artifact stores a directory: its files, zipped. */
	private static byte[] zip(Path directory) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.walk(directory)) {
			for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
				zip.putNextEntry(new ZipEntry(directory.relativize(file).toString().replace('\\', '/')));
				zip.write(Files.readAllBytes(file));
				zip.closeEntry();
			}
		}
		return bytes.toByteArray();
	}

	void close() {
		this.runners.shutdownNow();
	}

	/** One webhook delivery and the orchestrator's answer. */
	record Delivery(String id, String action, int status) {

	}

	/** A dispatched workflow run as GitHub tracks it. */
	private static final class Run {

		final long id;

		final JsonNode inputs;

		final Instant created;

		volatile String status = "queued";

		volatile String conclusion;

		volatile Instant updated;

		/** The uploaded {@code wheelfarm-result} artifact, once the workflow made it. */
		volatile byte[] artifact;

		Run(long id, JsonNode inputs, Instant created) {
			this.id = id;
			this.inputs = inputs;
			this.created = created;
			this.updated = created;
		}

		long id() {
			return this.id;
		}

		void moveTo(String status, String conclusion) {
			this.updated = Instant.now().truncatedTo(ChronoUnit.SECONDS);
			this.conclusion = conclusion;
			this.status = status;
		}

		/**
		 * The run as GitHub shows it (the recorded shape), created now, named as the
		 * workflow's run-name names it. The recording's times are years old: a run
		 * started now must say so, or the engine takes it for one that overran.
		 */
		ObjectNode json() {
			String title = "wheelfarm " + this.inputs.path("request_id").asString() + ": "
					+ this.inputs.path("project").asString() + " " + this.inputs.path("version").asString();
			ObjectNode run = GitHubStandIn.run(this.id, this.status, this.conclusion, title);
			run.put("name", "wheelfarm-build");
			run.put("event", "workflow_dispatch");
			run.put("created_at", this.created.toString());
			run.put("run_started_at", this.created.toString());
			run.put("updated_at", this.updated.toString());
			run.put("html_url", htmlUrl(this.id));
			return run;
		}

	}

	/** Tells a dispatched run's runner that the answer to its dispatch was sent. */
	private final class PickUp implements ServeEventListener {

		@Override
		public void afterComplete(ServeEvent event, Parameters parameters) {
			CountDownLatch answered = WorkflowRunner.this.dispatching.remove(event.getId());
			if (answered != null) {
				answered.countDown();
			}
		}

		@Override
		public String getName() {
			return "pick-up";
		}

	}

	/**
	 * A named transformer over one of the answers above. It starts from the stub's own
	 * answer, so what a fault stub sets besides the body (a delay) is kept.
	 */
	private static final class Answer implements ResponseDefinitionTransformerV2 {

		private final String name;

		private final Computed computed;

		Answer(String name, Computed computed) {
			this.name = name;
			this.computed = computed;
		}

		@Override
		public ResponseDefinition transform(ServeEvent event) {
			return this.computed.answer(event, ResponseDefinitionBuilder.like(event.getResponseDefinition()));
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
	private interface Computed {

		ResponseDefinition answer(ServeEvent event, ResponseDefinitionBuilder answer);

	}

}
