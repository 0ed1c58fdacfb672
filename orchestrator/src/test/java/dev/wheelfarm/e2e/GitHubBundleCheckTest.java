package dev.wheelfarm.e2e;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.wheelfarm.dispatch.github.GitHubStandIn;
import dev.wheelfarm.dispatch.install.InstallWorkflowCommand;
import dev.wheelfarm.dispatch.install.WorkflowBundle;
import dev.wheelfarm.dispatch.install.WorkflowBundles;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.pypi.PypiWatcher;
import dev.wheelfarm.testsupport.GitHttpServer;
import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's upgrade path on the GitHub engine: a farm whose build repository still
 * holds the workflow an earlier farm installed dispatches nothing and says why on
 * {@code /actuator/health} (naming the command); the operator runs that command against
 * the build repository (a real git server) and the held build is dispatched, built and
 * published.
 */
@IntegrationTest
@DirtiesContext
@TestPropertySource(properties = { "wheelfarm.engine=github",
		"wheelfarm.github.repository=" + GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO,
		"wheelfarm.github.token=" + GitHubStandIn.TOKEN,
		"wheelfarm.github.webhook-secret=" + GitHubBundleCheckTest.SECRET, "wheelfarm.github.bundle-check-interval=1s",
		"wheelfarm.dispatch.interval=200ms", "wheelfarm.index.page-cache-ttl=1s" })
class GitHubBundleCheckTest {

	static final String SECRET = "e2e-webhook-secret-0123456789";

	static final GitHubFarm world = GitHubFarm.start(SECRET);

	static final Farm farm = world.farm;

	static final GitHubStandIn gitHub = olderBundleInstalled(world.gitHub);

	static final GitHttpServer git = GitHttpServer.start(gitHub.buildRepository().gitRoot(), GitHubStandIn.TOKEN);

	@LocalServerPort
	int port;

	@Autowired
	PypiWatcher watcher;

	@DynamicPropertySource
	static void world(DynamicPropertyRegistry registry) {
		world.properties(registry);
	}

	@AfterAll
	static void stop() {
		git.close();
		world.close();
	}

	@BeforeEach
	void locate() {
		world.at(this.port);
	}

	@Test
	void aStaleBundleHoldsDispatchUntilTheOperatorInstallsTheShippedOne() {
		farm.sdistRelease("held-pkg", "1.0", Sdists.pure("held-pkg", "1.0"));
		farm.optIn("held-pkg", "projects = [\"held-pkg\"]\n");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		long build = farm.buildOf("held-pkg", "1.0");

		// Many dispatch rounds (200 ms apart) have passed once the build waited 3 s.
		Farm.await("the build waiting for a builder", () -> Farm.sample(farm.scrape(), "wheelfarm_queue_age_seconds"),
				(age) -> age >= 3.0, Duration.ofSeconds(60));
		assertThat(gitHub.dispatches()).as("nothing dispatched to a repository with another workflow").isEmpty();
		assertThat(farm.getJson("/api/builds/" + build).path("state").path("code").asString()).isEqualTo("pending");
		HttpResponse<String> health = health();
		assertThat(health.statusCode()).isEqualTo(503);
		JsonNode component = JsonMapper.builder()
			.build()
			.readTree(health.body())
			.path("components")
			.path("buildRepository");
		assertThat(component.path("status").asString()).isEqualTo("OUT_OF_SERVICE");
		assertThat(component.path("description").asString()).contains(".wheelfarm/worker/wheelfarm_worker.py")
			.contains("java -jar wheelfarm.jar install-workflow --repository " + GitHubStandIn.OWNER + "/"
					+ GitHubStandIn.REPO);

		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteArrayOutputStream err = new ByteArrayOutputStream();
		int exit = InstallWorkflowCommand.run(
				new String[] { "--repository", GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO,
						"--wheelfarm.github.token=" + GitHubStandIn.TOKEN,
						"--wheelfarm.github.git-url=" + git.gitUrl() },
				new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
		assertThat(exit).as(out + "\n" + err).isZero();

		JsonNode ended = farm.awaitEnded(build);
		assertThat(ended.path("state").path("code").asString()).as(ended.toString()).isEqualTo("published");
		assertThat(gitHub.dispatches()).hasSize(1);
		HttpResponse<String> healthy = health();
		assertThat(healthy.statusCode()).isEqualTo(200);
		assertThat(healthy.body()).contains("\"buildRepository\":{\"status\":\"UP\"");
	}

	private static HttpResponse<String> health() {
		return farm.send(HttpRequest.newBuilder(URI.create(farm.url("/actuator/health"))));
	}

	/**
	 * The build repository as an earlier farm left it: its own worker, installed by it.
	 */
	private static GitHubStandIn olderBundleInstalled(GitHubStandIn gitHub) {
		SortedMap<String, byte[]> files = new TreeMap<>(WorkflowBundle.fromClasspath().files());
		files.put(".wheelfarm/worker/wheelfarm_worker.py",
				"# the worker an earlier farm shipped\n".getBytes(StandardCharsets.UTF_8));
		gitHub.buildRepository().install(WorkflowBundles.of(files), false);
		return gitHub;
	}

}
