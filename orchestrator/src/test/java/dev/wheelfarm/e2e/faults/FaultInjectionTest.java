package dev.wheelfarm.e2e.faults;

import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.dispatch.github.GitHubStandIn;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.pypi.standin.Fault;
import dev.wheelfarm.pypi.standin.PypiStandIn;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.jdbc.core.simple.JdbcClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * PyPI and GitHub misbehave during a run of the whole farm (a real orchestrator process
 * watching the PyPI stand-in and building on the GitHub Actions stand-in): 500s, 429s
 * with {@code Retry-After}, an exhausted rate limit, answers slower than the clients'
 * timeouts, a dispatch whose answer is lost after GitHub started the run, a failed
 * artifact download, an sdist download that fails once. The farm waits, retries within
 * its limits, and ends exactly where a run without faults ends: the same builds in the
 * same end states, the same wheels with the same hashes, the same index pages, one GitHub
 * run per build. A permanent outage ends too: the build is recorded as a transient
 * failure after its attempts, the watcher records its error, the process stays up.
 */
class FaultInjectionTest {

	static final Duration TIMEOUT = Duration.ofSeconds(1);

	@TempDir
	static Path scratch;

	static final Map<String, byte[]> SDISTS = new LinkedHashMap<>();

	private final List<AutoCloseable> running = new ArrayList<>();

	@BeforeAll
	static void sdists() throws Exception {
		SDISTS.put("alpha", Sdists.sdist(scratch, "alpha", "1.0", Sdists.pure("alpha", "1.0")));
		SDISTS.put("beta", Sdists.sdist(scratch, "beta", "2.0", Sdists.pure("beta", "2.0")));
		SDISTS.put("needsheader", Sdists.sdist(scratch, "needsheader", "1.1", Sdists.MISSING_HEADER));
	}

	@AfterEach
	void stop() throws Exception {
		for (int i = this.running.size() - 1; i >= 0; i--) {
			this.running.get(i).close();
		}
	}

	@Test
	void aRunThroughFaultsEndsLikeARunWithout() throws Exception {
		Snapshot reference = farmRun("reference", (pypi, github) -> {
		});
		assertThat(reference.builds())
			.extracting(FarmInvariants.EndedBuild::project, FarmInvariants.EndedBuild::state,
					FarmInvariants.EndedBuild::failureClass)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("alpha", "PUBLISHED", null),
					org.assertj.core.groups.Tuple.tuple("beta", "PUBLISHED", null),
					org.assertj.core.groups.Tuple.tuple("needsheader", "FAILED", "missing-system-dependency"));

		Snapshot faulty = farmRun("faulty", FaultInjectionTest::injectFaults);

		assertThat(faulty.builds()).isEqualTo(reference.builds());
		assertThat(faulty.wheels()).isEqualTo(reference.wheels());
		assertThat(faulty.pages()).isEqualTo(reference.pages());
		assertThat(faulty.runsByRequest()).as("GitHub runs per build: none repeated")
			.allSatisfy((request, runs) -> assertThat(runs).as(request).isEqualTo(1));
		assertThat(faulty.faultsServed()).as("the faults were met, not skipped").isGreaterThanOrEqualTo(10);
	}

	@Test
	void aPermanentOutageEndsInRecordedFailuresNotInALoop() throws Exception {
		PypiStandIn pypi = pypi();
		GitHubStandIn github = github("outage");
		// GitHub answers nothing but 500; PyPI's page of beta is gone for good.
		github.failEverything(aResponse().withStatus(500));
		Fault[] forever = new Fault[500];
		java.util.Arrays.fill(forever, Fault.status(500));
		pypi.failNext("/pypi/beta/json", forever);
		// This test is about 500s only: generous timeouts, so that a slow answer on a
		// busy
		// machine is not recorded as a timeout instead.
		JdbcClient jdbc = database("outage", pypi, github,
				Map.of("wheelfarm.dispatch.engine-outage-limit", "2s", "wheelfarm.builds.max-attempts", "2",
						"wheelfarm.github.request-timeout", "15s", "wheelfarm.pypi.read-timeout", "15s"));

		awaitOrFail(() -> count(jdbc, "state = 'FAILED'") == 2 && FarmInvariants.settled(jdbc), jdbc,
				"the builds of alpha and needsheader to be recorded as failed");
		assertThat(FarmInvariants.builds(jdbc)).extracting(FarmInvariants.EndedBuild::project)
			.containsExactly("alpha", "needsheader");
		assertThat(FarmInvariants.builds(jdbc)).allSatisfy((build) -> {
			assertThat(build.failureKind()).isEqualTo("transient");
			assertThat(build.failureClass()).isEqualTo("builder-unavailable");
		});
		assertThat(jdbc.sql("SELECT attempts FROM build").query(Integer.class).list()).containsExactly(2, 2);
		assertThat(jdbc.sql("SELECT reason FROM build").query(String.class).list())
			.allSatisfy((reason) -> assertThat(reason).contains("HTTP 500", "gave up after 2 attempts"));
		awaitOrFail(() -> jdbc.sql("""
				SELECT count(*) FROM pypi_cursor c JOIN project p ON p.id = c.project_id
				WHERE p.name = 'beta' AND c.last_error LIKE '%500%'
				""").query(Long.class).single() == 1, jdbc, "the watcher to record beta's error");

		// Ended means ended: no more dispatches, and the process is still serving.
		int dispatches = dispatchCalls(github);
		int betaReads = pypi.requestCount("/pypi/beta/json");
		// Two more watch cycles over beta (each records its error) are the while to wait:
		// the dispatcher, on a shorter interval, has had several rounds in them.
		for (int cycle = 0; cycle < 2; cycle++) {
			Instant checked = betaCheckedAt(jdbc);
			awaitOrFail(() -> betaCheckedAt(jdbc).isAfter(checked), jdbc, "another watch cycle over beta");
		}
		assertThat(dispatchCalls(github)).as("dispatches after the build ended").isEqualTo(dispatches);
		assertThat(pypi.requestCount("/pypi/beta/json")).as("the watcher keeps trying, a cycle at a time")
			.isGreaterThan(betaReads)
			.isLessThan(betaReads + 20);
		FarmInvariants.projectPage(orchestrator.uri("/"), "alpha");
	}

	// ---- one run of the farm

	private OrchestratorProcess orchestrator;

	private Snapshot farmRun(String name, Faults faults) throws Exception {
		PypiStandIn pypi = pypi();
		GitHubStandIn github = github(name);
		faults.inject(pypi, github);
		JdbcClient jdbc = database(name, pypi, github, Map.of());
		awaitOrFail(() -> count(jdbc, "true") == 3 && FarmInvariants.settled(jdbc), jdbc, "three ended builds");
		Map<String, String> expected = Map.of("alpha", "alpha-1.0-py3-none-any.whl", "beta",
				"beta-2.0-py3-none-any.whl");
		FarmInvariants.assertConsistent(jdbc, scratch.resolve(name + "-data"), this.orchestrator.uri("/"), expected);
		Map<String, JsonNode> pages = new LinkedHashMap<>();
		for (String project : SDISTS.keySet()) {
			pages.put(project,
					withoutRunSpecifics(FarmInvariants.projectPage(this.orchestrator.uri("/"), project), pypi));
		}
		Snapshot snapshot = new Snapshot(FarmInvariants.builds(jdbc), FarmInvariants.wheels(jdbc), pages,
				github.runsByRequest(), github.faultsServed());
		stop();
		this.running.clear();
		return snapshot;
	}

	private PypiStandIn pypi() {
		PypiStandIn pypi = PypiStandIn.start();
		this.running.add(pypi);
		SDISTS.forEach((project, sdist) -> {
			String version = switch (project) {
				case "alpha" -> "1.0";
				case "beta" -> "2.0";
				default -> "1.1";
			};
			pypi.project(project).release(version).upload(project + "-" + version + ".tar.gz", sdist);
		});
		return pypi;
	}

	private GitHubStandIn github(String name) {
		GitHubStandIn github = GitHubStandIn.running(scratch.resolve(name + "-github"));
		this.running.add(github);
		return github;
	}

	/** A database with the projects opted in, and an orchestrator on it. */
	private JdbcClient database(String name, PypiStandIn pypi, GitHubStandIn github, Map<String, String> extra) {
		TestDatabase.Coordinates database = TestDatabase.freshDatabase().migrate();
		HikariDataSource pool = database.pool(2);
		this.running.add(pool);
		JdbcClient jdbc = JdbcClient.create(pool);
		SDISTS.keySet().forEach((project) -> OrchestratorProcess.optIn(jdbc, project));
		Map<String, String> properties = OrchestratorProcess.baseProperties(database, scratch.resolve(name + "-data"));
		properties.putAll(github.farmProperties());
		properties.put("wheelfarm.github.request-timeout", TIMEOUT.toMillis() + "ms");
		properties.put("wheelfarm.github.poll-interval", "300ms");
		properties.put("wheelfarm.pypi.base-url", pypi.baseUrl().toString());
		properties.put("wheelfarm.pypi.poll-interval", "1s");
		properties.put("wheelfarm.pypi.read-timeout", TIMEOUT.toMillis() + "ms");
		properties.put("wheelfarm.pypi.connect-timeout", TIMEOUT.toMillis() + "ms");
		properties.put("wheelfarm.pypi.initial-backoff", "100ms");
		properties.put("wheelfarm.pypi.max-backoff", "3s");
		properties.put("wheelfarm.dispatch.engine-retry-delay", "300ms");
		properties.putAll(extra);
		this.orchestrator = OrchestratorProcess.start("faults-" + name, properties);
		this.running.add(this.orchestrator);
		return jdbc;
	}

	// ---- the faults

	/**
	 * Every kind of misbehaviour, each met once or a few times (WireMock scenarios move
	 * on after each fault), at the places the farm talks to PyPI and GitHub.
	 */
	private static void injectFaults(PypiStandIn pypi, GitHubStandIn github) {
		// PyPI: alpha's page fails past the client's retries (the cycle records the
		// error, the next cycle reads it again); beta's is rate limited once; the root
		// listing of later cycles fails and stalls; beta's sdist download fails once.
		pypi.failNext("/pypi/alpha/json", Fault.status(500), Fault.tooManyRequests("1"),
				Fault.slow(TIMEOUT.plusMillis(500)), Fault.status(503));
		pypi.failNext("/pypi/beta/json", Fault.tooManyRequests("1"));
		pypi.failNext("/simple/", Fault.status(502), Fault.slow(TIMEOUT.plusMillis(500)));
		pypi.failNext("/packages/" + Sha256.digest(SDISTS.get("beta")).hex().substring(0, 2) + "/beta-2.0.tar.gz",
				Fault.status(503));

		// GitHub, dispatch: a 500, a 429 with Retry-After, then an answer that comes too
		// late although the run started (the farm must find it, not start another).
		github.failNext(() -> post(urlPathEqualTo(GitHubStandIn.DISPATCHES)),
				aResponse().withStatus(500).withBody("{\"message\":\"Server Error\"}"),
				aResponse().withStatus(429).withHeader("Retry-After", "1").withBody("{\"message\":\"slow down\"}"),
				GitHubStandIn.normalAnswer(GitHubStandIn.DISPATCH_ANSWER)
					.withFixedDelay((int) TIMEOUT.toMillis() + 1500));
		// Looking for that run: one 502.
		github.failNext(() -> get(urlPathEqualTo(GitHubStandIn.RUNS)), aResponse().withStatus(502));
		// Reading runs: a 500, the primary rate limit exhausted (403, remaining 0, reset
		// in two seconds), a secondary one (429, Retry-After), an answer too late.
		long reset = Instant.now().plusSeconds(2).getEpochSecond();
		github.failNext(() -> get(urlPathMatching(GitHubStandIn.RUNS + "/[0-9]+")), aResponse().withStatus(500),
				aResponse().withStatus(403)
					.withHeader("X-RateLimit-Limit", "5000")
					.withHeader("X-RateLimit-Remaining", "0")
					.withHeader("X-RateLimit-Reset", Long.toString(reset))
					.withBody("{\"message\":\"API rate limit exceeded\"}"),
				aResponse().withStatus(429).withHeader("Retry-After", "1"),
				GitHubStandIn.normalAnswer(GitHubStandIn.RUN_ANSWER).withFixedDelay((int) TIMEOUT.toMillis() + 1500));
		// Collecting: the artifact list fails once, the storage host once.
		github.failNext(() -> get(urlPathMatching(GitHubStandIn.RUNS + "/[0-9]+/artifacts")),
				aResponse().withStatus(502));
		github.failNextDownloads(aResponse().withStatus(500));
	}

	// ---- helpers

	/**
	 * A page without what differs between two runs by construction: when the wheels were
	 * stored, and the port of the PyPI stand-in that hosts the sdists.
	 */
	private static JsonNode withoutRunSpecifics(JsonNode page, PypiStandIn pypi) {
		JsonNode copy = page.deepCopy();
		copy.path("files").forEach((file) -> {
			ObjectNode entry = (ObjectNode) file;
			entry.remove("upload-time");
			entry.put("url", entry.path("url").asString().replace(pypi.baseUrl().toString(), "https://pypi.test"));
		});
		return copy;
	}

	private static int dispatchCalls(GitHubStandIn github) {
		return github.requests(postRequestedFor(urlPathEqualTo(GitHubStandIn.DISPATCHES)));
	}

	private static Instant betaCheckedAt(JdbcClient jdbc) {
		return jdbc.sql("""
				SELECT c.checked_at FROM pypi_cursor c JOIN project p ON p.id = c.project_id WHERE p.name = 'beta'
				""").query(Timestamp.class).single().toInstant();
	}

	private static long count(JdbcClient jdbc, String condition) {
		return jdbc.sql("SELECT count(*) FROM build WHERE " + condition).query(Long.class).single();
	}

	private void awaitOrFail(BooleanSupplier condition, JdbcClient jdbc, String what) {
		this.orchestrator.await(condition, Duration.ofSeconds(90), jdbc, what);
	}

	@FunctionalInterface
	private interface Faults {

		void inject(PypiStandIn pypi, GitHubStandIn github);

	}

	private record Snapshot(List<FarmInvariants.EndedBuild> builds, List<FarmInvariants.StoredWheel> wheels,
			Map<String, JsonNode> pages, Map<String, Long> runsByRequest, int faultsServed) {

	}

}
