package dev.wheelfarm.dispatch.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.wheelfarm.builds.Build;
import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.BuildState;
import dev.wheelfarm.builds.FailureKind;
import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.dispatch.Dispatcher;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.PypiFilesStandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The local builder's default, for real: isolated builds ({@code python -m build} with
 * its own environment) in the bubblewrap sandbox, their build requirements from the
 * farm's own PyPI cache ({@code /cache/simple/}, with a grant per build), reached through
 * the sandbox's relay and nowhere else. The cache's upstream is a PyPI stand-in serving
 * Debian's real setuptools and wheel wheels. One farm; its first three builds run at
 * once.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.engine=local",
		"wheelfarm.local.python=" + Sdists.PYTHON, "wheelfarm.local.fetch-retries=0" })
class SandboxedBuildTest {

	/** Set in the farm's environment by the build (see the surefire configuration). */
	static final String SECRET_VARIABLE = "WHEELFARM_TEST_SECRET";

	static PypiFilesStandIn pypi;

	static SdistServer sdists;

	@TempDir
	static Path scratch;

	@Autowired
	BuildLedger ledger;

	@Autowired
	Dispatcher dispatcher;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	DataDirectoryProperties dataDirectory;

	@LocalServerPort
	int port;

	ServerSocket bystander;

	Path outside;

	long succeeds;

	long lacksARequirement;

	long probes;

	@DynamicPropertySource
	static void upstream(DynamicPropertyRegistry registry) throws IOException {
		pypi = new PypiFilesStandIn().addWheels(PypiFilesStandIn.DEBIAN_WHEELS);
		sdists = new SdistServer();
		// No wheelfarm.local.index-url: the builds use the farm's cache, whose upstream
		// this is.
		registry.add("wheelfarm.cache.upstream", () -> pypi.baseUrl() + "/simple/");
	}

	@BeforeAll
	void enqueueTheBuilds() throws Exception {
		assertThat(System.getenv(SECRET_VARIABLE)).as("the farm's environment holds a secret").isNotBlank();
		this.bystander = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
		this.outside = Files.writeString(scratch.resolve("outside-the-work-directory.txt"), "not for builds\n");
		Path farmFile = Files.writeString(this.dataDirectory.dataDir().resolve("farm-secret.txt"), "farm only\n");
		this.succeeds = enqueue("isolated-ok", requiring("isolated-ok", "\"setuptools>=60\", \"wheel\""));
		this.lacksARequirement = enqueue("needs-missing",
				requiring("needs-missing", "\"setuptools>=60\", \"wheelfarm-no-such-backend>=1\""));
		this.probes = enqueue("probes", Map.of("setup.py", """
				import os, socket, traceback
				def farm_data(): print(open(%s).read())
				def secret(): print(os.environ[%s])
				def outside(): print(open(%s).read())
				def network(): socket.create_connection(("127.0.0.1", %d), timeout=10)
				refused = 0
				for probe in (farm_data, secret, outside, network):
				    try:
				        probe()
				    except Exception:
				        traceback.print_exc()
				        refused += 1
				print("environment:", sorted(os.environ.items()))
				raise SystemExit("%%d probes were refused" %% refused)
				""".formatted(python(farmFile), python(SECRET_VARIABLE), python(this.outside),
				this.bystander.getLocalPort())));
	}

	@AfterAll
	void stop() throws IOException {
		this.bystander.close();
		sdists.close();
		pypi.close();
	}

	@Test
	@Order(1)
	void anIsolatedBuildGetsItsRequirementsThroughTheCacheAndRecordsWhatItInstalled() throws Exception {
		Build done = until(this.succeeds);
		assertThat(done.state()).as(done.reason() + "\n" + done.logExcerpt()).isEqualTo(BuildState.PUBLISHED);

		JsonNode build = JsonMapper.shared().readTree(get("/api/builds/" + this.succeeds));
		JsonNode environment = build.get("build_environment");
		assertThat(environment).hasSize(2);
		for (JsonNode file : environment) {
			String filename = file.get("filename").asString();
			assertThat(pypi.filenames(file.get("name").asString())).contains(filename);
			assertThat(file.get("sha256").asString()).isEqualTo(pypi.sha256Of(filename));
			assertThat(file.get("size").asLong()).isEqualTo(pypi.bytes("/files/" + filename));
		}
		assertThat(environment.findValuesAsString("name")).containsExactly("setuptools", "wheel");
		assertThat(environment.get(0).get("version").asString()).matches("[0-9.]+");
		assertThat(get("/builds/" + this.succeeds)).contains("Build environment")
			.contains(environment.get(0).get("filename").asString());
		// Three builds needed setuptools at once: upstream served each file once.
		until(this.probes);
		assertThat(pypi.fileRequests()).isNotEmpty().allSatisfy((path, count) -> assertThat(count).as(path).isOne());
	}

	@Test
	@Order(2)
	void aRequirementTheIndexLacksIsAPermanentMissingBuildDependencyNamingIt() {
		Build done = until(this.lacksARequirement);
		assertThat(done.state()).isEqualTo(BuildState.FAILED);
		assertThat(done.failureKind()).isEqualTo(FailureKind.PERMANENT);
		assertThat(done.failureClass()).isEqualTo("missing-build-dependency");
		assertThat(done.reason()).contains("wheelfarm-no-such-backend>=1");
	}

	@Test
	@Order(4)
	void anUpstreamThatIsDownIsATransientFailureRetriedLater() throws Exception {
		pypi.failWith(503);
		long id = enqueue("needs-flaky", requiring("needs-flaky", "\"setuptools>=60\", \"flaky-backend\""));
		Build done = until(id);
		assertThat(done.failureClass()).as(done.reason() + "\n" + done.logExcerpt()).isEqualTo("network");
		assertThat(done.failureKind()).isEqualTo(FailureKind.TRANSIENT);
		assertThat(done.state()).as("waiting for its next attempt").isEqualTo(BuildState.PENDING);
		assertThat(done.nextAttemptAt()).isAfter(done.updatedAt().minusSeconds(1));
		assertThat(done.reason())
			.contains("the package index was unavailable (HTTP 503 for /cache/simple/flaky-backend/");
	}

	@Test
	@Order(3)
	void theSandboxDeniesTheFarmsFilesItsSecretsOtherFilesAndTheNetworkAndTheRecordSaysSo() throws IOException {
		Build done = until(this.probes);
		assertThat(done.state()).isEqualTo(BuildState.FAILED);
		assertThat(done.failureClass()).as(done.reason() + "\n" + done.logExcerpt()).isEqualTo("sandbox-denied");
		assertThat(done.reason()).contains("file: " + this.dataDirectory.dataDir() + " is hidden from the build")
			.contains("environment: " + SECRET_VARIABLE + " is not passed into the sandbox")
			.contains("file: " + this.outside + " is outside what the sandbox shows")
			.contains("network: ");
		assertThat(done.logExcerpt()).contains("4 probes were refused")
			.doesNotContain(System.getenv(SECRET_VARIABLE))
			.doesNotContain("farm only");
		this.bystander.setSoTimeout(1);
		assertThatExceptionOfType(SocketTimeoutException.class).as("nobody connected to the loopback listener")
			.isThrownBy(this.bystander::accept);
	}

	private long enqueue(String name, Map<String, String> files) throws Exception {
		return LedgerBuilds.enqueue(this.ledger, this.jdbc, sdists, scratch, name, "1.0", files);
	}

	/**
	 * The build once it has ended or failed once (a transient failure waits to retry).
	 */
	private Build until(long id) {
		return await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(300)).until(() -> {
			this.dispatcher.round();
			return this.ledger.find(id).orElseThrow();
		}, (build) -> build.state().isEnded() || build.failureClass() != null);
	}

	private String get(String path) throws IOException, InterruptedException {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

	private static Map<String, String> requiring(String name, String requirements) {
		return Map.of("pyproject.toml", """
				[build-system]
				requires = [%s]
				build-backend = "setuptools.build_meta"

				[project]
				name = "%s"
				version = "1.0"
				""".formatted(requirements, name), "src/" + name.replace('-', '_') + "/__init__.py", "ANSWER = 42\n");
	}

	private static String python(Object text) {
		return "'" + text.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
	}

}
