package dev.wheelfarm.e2e;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;

import dev.wheelfarm.dispatch.github.GitHubStandIn;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.optin.BareRepository;
import dev.wheelfarm.optin.OptInService;
import dev.wheelfarm.pypi.PypiWatcher;
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
import static org.assertj.core.api.Assertions.tuple;

/**
 * A maintainer's build settings on the GitHub Actions builder: the whole farm against the
 * GitHub stand-in, whose runner starts the workflow's jobs as GitHub would (the pure job,
 * then one {@code platform} job per matrix entry, each preparing cibuildwheel's command
 * and {@code CIBW_*} environment). What is checked is what the jobs got, not what the
 * config parser read.
 */
@IntegrationTest
// Its stand-ins make the context unique, and its schedules would keep running: close it.
@DirtiesContext
@TestPropertySource(properties = { "wheelfarm.engine=github",
		"wheelfarm.github.repository=" + GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO,
		"wheelfarm.github.token=" + GitHubStandIn.TOKEN,
		"wheelfarm.github.webhook-secret=" + GitHubBuildSettingsTest.SECRET,
		"wheelfarm.github.webhook-poll-interval=60s", "wheelfarm.dispatch.interval=200ms",
		"wheelfarm.index.page-cache-ttl=1s" })
class GitHubBuildSettingsTest {

	static final String SECRET = "e2e-webhook-secret-settings-0123";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	static final GitHubFarm world = GitHubFarm.start(SECRET);

	static final Farm farm = world.farm;

	static final GitHubStandIn gitHub = world.gitHub;

	@LocalServerPort
	int port;

	@Autowired
	PypiWatcher watcher;

	@Autowired
	OptInService optIn;

	@DynamicPropertySource
	static void world(DynamicPropertyRegistry registry) {
		world.properties(registry);
	}

	@AfterAll
	static void stop() {
		world.close();
	}

	@BeforeEach
	void locate() {
		world.at(this.port);
	}

	@Test
	void theMaintainersPlatformsSkipAndEnvironmentDecideTheMatrixAndCibuildwheelsEnvironment() {
		farm.sdistRelease("octo-native", "1.0", Sdists.nativeExtension("octo-native", "1.0", null));
		farm.optIn("octo-native", """
				projects = ["octo-native"]
				platforms = ["linux"]
				skip = "pp* *-musllinux_*"

				[cibuildwheel]
				environment = { WHEELFARM_FLAVOUR = "farm test" }
				test-command = ["python -c 'import octo_native'", "echo tested"]
				""");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		long id = farm.buildOf("octo-native", "1.0");
		JsonNode build = farm.awaitEnded(id);
		String requestId = "wf-" + id + "-1";

		JsonNode dispatched = gitHub.dispatches()
			.stream()
			.filter((dispatch) -> requestId.equals(dispatch.path("inputs").path("request_id").asString()))
			.findFirst()
			.orElseThrow();
		assertThat(JSON.readTree(dispatched.path("inputs").path("options").asString()))
			.as("the options the build job receives")
			.isEqualTo(JSON.readTree(
					"{\"cibuildwheel\": {\"environment\": {\"WHEELFARM_FLAVOUR\": \"farm test\"}, \"test-command\": "
							+ "[\"python -c 'import octo_native'\", \"echo tested\"]}, \"platforms\": [\"linux-aarch64\", "
							+ "\"linux-x86_64\"], \"skip\": \"pp* *-musllinux_*\", \"strategy\": \"auto\"}"));

		List<GitHubStandIn.PlatformJob> jobs = gitHub.platformJobs()
			.stream()
			.filter((job) -> requestId.equals(job.requestId()))
			.toList();
		assertThat(jobs).as("only the Linux entries of the matrix ran")
			.extracting(GitHubStandIn.PlatformJob::platform, GitHubStandIn.PlatformJob::runner)
			.containsExactly(tuple("linux-aarch64", "ubuntu-24.04-arm"), tuple("linux-x86_64", "ubuntu-latest"));
		for (GitHubStandIn.PlatformJob job : jobs) {
			assertThat(job.command()).containsSubsequence("--platform", "linux");
			assertThat(job.environment()).containsEntry("CIBW_SKIP", "pp* *-musllinux_*")
				.containsEntry("CIBW_BUILD", "cp3*")
				.containsEntry("CIBW_ENVIRONMENT", "WHEELFARM_FLAVOUR=\"farm test\"")
				.containsEntry("CIBW_TEST_COMMAND", "python -c 'import octo_native' && echo tested")
				.containsEntry("CIBW_ARCHS", job.platform().substring("linux-".length()));
		}

		JsonNode plan = build.path("plan");
		assertThat(plan.path("strategy").asString()).isEqualTo("auto");
		assertThat(plan.path("skip").asString()).isEqualTo("pp* *-musllinux_*");
		assertThat(plan.path("environment").path("WHEELFARM_FLAVOUR").asString()).isEqualTo("farm test");
		assertThat(plan.path("platforms")
			.valueStream()
			.map((p) -> p.path("platform").asString() + "@" + p.path("runner").asString() + ":"
					+ p.path("status").asString())
			.toList()).containsExactly("linux-x86_64@ubuntu-latest:planned", "linux-aarch64@ubuntu-24.04-arm:planned");
		// The workflow runs cibuildwheel on every platform: no setting of the
		// maintainer's is skipped (the local builder without cibuildwheel skips
		// test-command).
		assertThat(plan.path("settings")
			.valueStream()
			.map((s) -> s.path("key").asString() + ":" + s.path("status").asString())
			.toList()).containsExactly("environment:planned", "test-command:planned");
		assertThat(farm.send(HttpRequest.newBuilder(URI.create(farm.url("/builds/" + id))).GET()).body())
			.contains("ubuntu-24.04-arm", "pp* *-musllinux_*", "WHEELFARM_FLAVOUR");
	}

	@Test
	void aPureOnlyStrategyStopsThePlatformBuild() {
		farm.sdistRelease("octo-pureonly", "1.0", Sdists.nativeExtension("octo-pureonly", "1.0", null));
		farm.optIn("octo-pureonly", "projects = [\"octo-pureonly\"]\nstrategy = \"pure\"\n");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		long id = farm.buildOf("octo-pureonly", "1.0");
		JsonNode build = farm.awaitEnded(id);
		assertThat(build.path("state").path("code").asString()).as(build.toString()).isEqualTo("failed");
		assertThat(build.path("failure").path("failure_class").asString()).isEqualTo("config-error");
		assertThat(build.path("plan").path("strategy").asString()).isEqualTo("pure");
		assertThat(gitHub.platformJobs()).as("no matrix job started")
			.noneMatch((job) -> job.requestId().equals("wf-" + id + "-1"));
		assertThat(farm.getJson("/api/builds/" + id).path("timeline").toString()).contains("strategy = \\\"pure\\\"");
	}

	@Test
	void aChangedSettingIsANewRecipeWhoseRunGetsTheNewInputs() {
		farm.sdistRelease("octo-fragile", "1.0", Sdists.nativeExtension("octo-fragile", "1.0", "OCTO_FIXED"));
		BareRepository git = farm.optIn("octo-fragile", "projects = [\"octo-fragile\"]\n");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		long first = farm.buildOf("octo-fragile", "1.0");
		JsonNode failed = farm.awaitEnded(first);
		assertThat(failed.path("state").path("code").asString()).as(failed.toString()).isEqualTo("failed");
		assertThat(failed.path("failure").path("failure_class").asString()).isEqualTo("missing-system-dependency");

		git.put("wheelfarm.toml", """
				projects = ["octo-fragile"]
				platforms = ["linux-x86_64"]

				[cibuildwheel]
				environment = { CFLAGS = "-DOCTO_FIXED" }
				""").commit("build without the optional library, on one runner");
		this.optIn.resyncAll();
		long second = Farm.await("a build under the new recipe", () -> farm.buildOf("octo-fragile", "1.0"),
				(id) -> id != first, Duration.ofSeconds(10));
		JsonNode retried = farm.awaitEnded(second);
		assertThat(retried.path("state").path("code").asString()).as(retried.toString()).isEqualTo("published");
		assertThat(gitHub.platformJobs()).filteredOn((job) -> job.requestId().equals("wf-" + second + "-1"))
			.singleElement()
			.satisfies((job) -> {
				assertThat(job.platform()).isEqualTo("linux-x86_64");
				assertThat(job.environment()).containsEntry("CIBW_ENVIRONMENT", "CFLAGS=\"-DOCTO_FIXED\"");
			});
		assertThat(gitHub.platformJobs()).filteredOn((job) -> job.requestId().equals("wf-" + first + "-1"))
			.as("the first run had every platform and no environment")
			.hasSize(6)
			.allSatisfy((job) -> assertThat(job.environment()).doesNotContainKey("CIBW_ENVIRONMENT"));
	}

}
