package dev.wheelfarm.e2e;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;

import dev.wheelfarm.dispatch.github.GitHubStandIn;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.pypi.PypiWatcher;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole farm with the GitHub Actions builder against the GitHub stand-in: the
 * dispatch, a run of the real worker as a runner would run the workflow, the signed
 * {@code workflow_run} webhooks, the run and artifact reads (with the download's
 * redirect), and publication. Runs are polled only every minute, so a build that ends in
 * seconds proves the webhook drove it.
 */
@IntegrationTest
// Its stand-ins make the context unique, and its schedules would keep running: close it.
@DirtiesContext
@TestPropertySource(properties = { "wheelfarm.engine=github",
		"wheelfarm.github.repository=" + GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO,
		"wheelfarm.github.token=" + GitHubStandIn.TOKEN, "wheelfarm.github.webhook-secret=" + GitHubFarmTest.SECRET,
		"wheelfarm.github.webhook-poll-interval=60s", "wheelfarm.dispatch.interval=200ms",
		"wheelfarm.index.page-cache-ttl=1s" })
class GitHubFarmTest {

	static final String SECRET = "e2e-webhook-secret-0123456789";

	static final Farm farm = Farm.start();

	static final GitHubStandIn gitHub = GitHubStandIn.running(farm.scratch.resolve("github"));

	@LocalServerPort
	int port;

	@Autowired
	PypiWatcher watcher;

	@DynamicPropertySource
	static void world(DynamicPropertyRegistry registry) {
		farm.properties(registry);
		registry.add("wheelfarm.github.api-url", gitHub::apiUrl);
	}

	@AfterAll
	static void stop() {
		gitHub.close();
		farm.close();
	}

	@BeforeEach
	void locate() {
		farm.at(this.port);
		gitHub.deliverWebhooksTo(URI.create(farm.url("/api/github/webhook")), SECRET);
	}

	@Test
	void aReleaseBuiltOnGitHubActionsIsPublishedAndInstalledByPip() {
		String sha256 = farm.sdistRelease("octo-pkg", "2.0", Sdists.pure("octo-pkg", "2.0"))
			.sha256("octo-pkg-2.0.tar.gz");
		farm.optIn("octo-pkg", "projects = [\"octo-pkg\"]\n");

		Instant started = Instant.now();
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		JsonNode build = farm.awaitEnded(farm.buildOf("octo-pkg", "2.0"));
		assertThat(build.path("state").path("code").asString()).as(build.toString()).isEqualTo("published");
		assertThat(Duration.between(started, Instant.now())).as("well within the 60 s poll interval")
			.isLessThan(Duration.ofSeconds(40));
		assertThat(build.path("run_url").asString())
			.startsWith("https://github.com/" + GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO + "/actions/runs/");
		assertThat(build.path("wheels").path(0).path("filename").asString()).isEqualTo("octo_pkg-2.0-py3-none-any.whl");

		assertThat(gitHub.dispatches()).singleElement().satisfies((dispatch) -> {
			JsonNode inputs = dispatch.path("inputs");
			assertThat(inputs.path("project").asString()).isEqualTo("octo-pkg");
			assertThat(inputs.path("version").asString()).isEqualTo("2.0");
			assertThat(inputs.path("sdist_sha256").asString()).isEqualTo(sha256);
			assertThat(inputs.path("request_id").asString()).isEqualTo("wf-" + build.path("id").asLong() + "-1");
		});
		assertThat(gitHub.deliveryStatuses()).as("requested, in_progress and completed, all accepted")
			.containsExactly(202, 202, 202);

		String scrape = farm.scrape();
		assertThat(Farm.sample(scrape,
				"wheelfarm_github_requests_total{call=\"dispatch\",outcome=\"success\",status=\"2xx\"}"))
			.isEqualTo(1.0);
		assertThat(
				Farm.sample(scrape, "wheelfarm_github_requests_total{call=\"api\",outcome=\"success\",status=\"2xx\"}"))
			.as("run reads")
			.isGreaterThanOrEqualTo(1.0);
		assertThat(Farm.sample(scrape,
				"wheelfarm_github_requests_total{call=\"artifact\",outcome=\"success\",status=\"2xx\"}"))
			.as("the artifact list and the download from the storage host")
			.isEqualTo(2.0);
		assertThat(Farm.sample(scrape,
				"wheelfarm_github_requests_total{call=\"artifact\",outcome=\"redirect\",status=\"3xx\"}"))
			.as("the artifact's redirect to its storage host")
			.isEqualTo(1.0);
		assertThat(Farm.sample(scrape, "wheelfarm_github_rate_limit_remaining"))
			.isEqualTo(GitHubStandIn.RATE_LIMIT_REMAINING);

		assertThat(Farm.filenames(farm.simpleJson("octo-pkg"))).contains("octo_pkg-2.0-py3-none-any.whl",
				"octo-pkg-2.0.tar.gz");
		Venv.Result install = farm.pip("install", "--only-binary", ":all:", "octo-pkg");
		assertThat(install.exitCode()).as(install.output()).isZero();
		assertThat(farm.python("import octo_pkg; print(octo_pkg.ANSWER)").output().strip()).isEqualTo("42");
	}

}
