package dev.wheelfarm.dispatch.github;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import dev.wheelfarm.dispatch.install.WorkflowBundle;

import static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder.responseDefinition;

/**
 * The part of the GitHub stand-in that plays GitHub Actions: it answers a
 * {@code workflow_dispatch} with the new run's details, then runs the workflow the way a
 * runner would (the build repository's files, as the orchestrator installs them, checked
 * out into a directory of their own; the worker's {@code pure}, {@code platform} and
 * {@code assemble} stages with the workflow's arguments), uploads the
 * {@code wheelfarm-result} artifact, moves the run through {@code queued},
 * {@code in_progress} and {@code completed}, and delivers the signed {@code workflow_run}
 * webhooks of each ({@code requested}, {@code in_progress}, {@code completed}). Runs,
 * artifacts and deliveries have the shapes of the recorded fixtures.
 */
final class WorkflowRunner implements ResponseDefinitionTransformerV2 {

	static final String NAME = "wheelfarm-workflow-runner";

	/** Debian's interpreter, with the offline build toolchain (environment.md). */
	private static final String PYTHON = "/usr/bin/python3";

	private static final String WORKER = WorkflowBundle.WORKER_DIR + "wheelfarm_worker.py";

	private final Path workspace;

	private final AtomicLong runIds = new AtomicLong(9_100_000_000L);

	private final ExecutorService runners = Executors.newFixedThreadPool(2, (task) -> {
		Thread thread = new Thread(task, "github-standin-runner");
		thread.setDaemon(true);
		return thread;
	});

	private final HttpClient http = HttpClient.newHttpClient();

	private final List<JsonNode> dispatches = new CopyOnWriteArrayList<>();

	private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();

	private volatile GitHubStandIn gitHub;

	private volatile URI webhook;

	private volatile WebhookSignature signer;

	WorkflowRunner(Path workspace) {
		this.workspace = workspace;
	}

	void attach(GitHubStandIn gitHub) {
		this.gitHub = gitHub;
	}

	/** Where GitHub delivers the build repository's webhooks, signed with the secret. */
	void deliverTo(URI webhook, String secret) {
		this.webhook = webhook;
		this.signer = new WebhookSignature(secret);
	}

	List<JsonNode> dispatches() {
		return List.copyOf(this.dispatches);
	}

	List<Delivery> deliveries() {
		return List.copyOf(this.deliveries);
	}

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public boolean applyGlobally() {
		return false;
	}

	@Override
	public ResponseDefinition transform(ServeEvent serveEvent) {
		JsonNode body;
		try {
			body = GitHubStandIn.JSON.readTree(serveEvent.getRequest().getBodyAsString());
		}
		catch (JacksonException ex) {
			return problem(400, "Problems parsing JSON");
		}
		JsonNode inputs = body.path("inputs");
		if (!"main".equals(body.path("ref").asString(null)) || !inputs.isObject() || inputs.size() > 25
				|| inputs.valueStream().anyMatch((value) -> !value.isString())) {
			return problem(422, "Invalid request: ref must be main and inputs at most 25 strings");
		}
		this.dispatches.add(body);
		long runId = this.runIds.incrementAndGet();
		String title = "wheelfarm " + inputs.path("request_id").asString() + ": " + inputs.path("project").asString()
				+ " " + inputs.path("version").asString();
		Instant created = Instant.now().truncatedTo(ChronoUnit.SECONDS);
		this.gitHub.stubRun(run(runId, title, created, "queued", null));
		this.runners.submit(() -> execute(runId, title, created, inputs));
		ObjectNode answer = GitHubStandIn.JSON.createObjectNode();
		answer.put("workflow_run_id", runId);
		answer.put("run_url", this.gitHub.api.baseUrl() + GitHubStandIn.REPO_PATH + "/actions/runs/" + runId);
		answer.put("html_url", htmlUrl(runId));
		if (body.path("return_run_details").asBoolean(false)) {
			return responseDefinition().withStatus(200)
				.withHeader("Content-Type", "application/json")
				.withBody(GitHubStandIn.JSON.writeValueAsString(answer))
				.build();
		}
		return responseDefinition().withStatus(204).build();
	}

	private void execute(long runId, String title, Instant created, JsonNode inputs) {
		try {
			deliver(run(runId, title, created, "queued", null), "requested");
			// A runner picks the job up a moment after the dispatch.
			Thread.sleep(300);
			this.gitHub.stubRun(run(runId, title, created, "in_progress", null));
			deliver(run(runId, title, created, "in_progress", null), "in_progress");
			Path checkout = checkout(runId);
			boolean succeeded = runWorkflow(checkout, inputs);
			this.gitHub.stubResultArtifact(runId, runId + 7, zip(checkout.resolve("runner-temp/result")));
			ObjectNode completed = run(runId, title, created, "completed", succeeded ? "success" : "failure");
			this.gitHub.stubRun(completed);
			deliver(completed, "completed");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * The build repository at the dispatched ref: the files the orchestrator installs.
	 */
	private Path checkout(long runId) throws IOException {
		Path checkout = Files.createDirectories(this.workspace.resolve("run-" + runId));
		for (Map.Entry<String, byte[]> file : WorkflowBundle.fromClasspath().files().entrySet()) {
			Path path = checkout.resolve(file.getKey());
			Files.createDirectories(path.getParent());
			Files.write(path, file.getValue());
		}
		return checkout;
	}

	/**
	 * The workflow's jobs in order: {@code pure}; {@code platform} for each matrix entry
	 * this machine can host (an ubuntu runner); {@code assemble} unless cancelled. The
	 * run fails when any job does, as on GitHub.
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
			String matrix = outputs.lines()
				.filter((line) -> line.startsWith("matrix="))
				.findFirst()
				.orElse("matrix={}")
				.substring("matrix=".length());
			for (JsonNode entry : GitHubStandIn.JSON.readTree(matrix).path("include")) {
				String platform = entry.path("platform").asString();
				if ("ubuntu-latest".equals(entry.path("runner").asString())) {
					ok &= step(checkout, "platform", request, "--platform", platform, "--out",
							temp.resolve("parts/part-" + platform).toString(), "--work",
							temp.resolve("work-" + platform).toString());
				}
			}
		}
		ok &= step(checkout, "assemble", List.of(), "--parts", temp.resolve("parts").toString(), "--out",
				temp.resolve("result").toString());
		return ok;
	}

	private boolean step(Path checkout, String stage, List<String> request, String... more)
			throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(PYTHON, WORKER, stage));
		if (!"assemble".equals(stage)) {
			command.add("--echo");
		}
		command.addAll(request);
		command.addAll(List.of(more));
		Path log = checkout.resolve("runner-temp/" + stage + ".log");
		Process process = new ProcessBuilder(command).directory(checkout.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		if (!process.waitFor(5, TimeUnit.MINUTES)) {
			process.destroyForcibly();
			return false;
		}
		return process.exitValue() == 0;
	}

	/**
	 * The run as GitHub shows it (the recorded shape), created now, named as dispatched.
	 */
	private ObjectNode run(long runId, String title, Instant created, String status, String conclusion) {
		ObjectNode run = GitHubStandIn.run(runId, status, conclusion, title);
		run.put("name", "wheelfarm-build");
		run.put("event", "workflow_dispatch");
		run.put("created_at", created.toString());
		run.put("run_started_at", created.toString());
		run.put("updated_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
		run.put("html_url", htmlUrl(runId));
		return run;
	}

	private void deliver(ObjectNode run, String action) throws IOException, InterruptedException {
		URI target = this.webhook;
		if (target == null) {
			return;
		}
		ObjectNode payload = (ObjectNode) GitHubStandIn.JSON
			.readTree(Fixtures.text("webhooks/octokit-webhooks/workflow_run/completed.payload.json"));
		payload.put("action", action);
		ObjectNode deliveredRun = (ObjectNode) payload.path("workflow_run");
		for (String field : List.of("id", "status", "conclusion", "display_title", "name", "event", "created_at",
				"updated_at", "run_started_at", "html_url")) {
			deliveredRun.set(field, run.get(field));
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

	private static ResponseDefinition problem(int status, String message) {
		return responseDefinition().withStatus(status)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"message\": \"" + message + "\"}")
			.build();
	}

	void close() {
		this.runners.shutdownNow();
	}

	/** One webhook delivery and the orchestrator's answer. */
	record Delivery(String id, String action, int status) {

	}

}
