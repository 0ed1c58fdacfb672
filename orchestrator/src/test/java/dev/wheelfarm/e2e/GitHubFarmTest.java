package dev.wheelfarm.e2e;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import dev.wheelfarm.dispatch.github.GitHubStandIn;
import dev.wheelfarm.provenance.AttestationVerifier;
import dev.wheelfarm.provenance.Publisher;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.pypi.PypiWatcher;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

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
// The first test counts the farm's GitHub calls and webhooks from a fresh start.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GitHubFarmTest {

	static final String SECRET = "e2e-webhook-secret-0123456789";

	static final GitHubFarm world = GitHubFarm.start(SECRET);

	static final Farm farm = world.farm;

	static final GitHubStandIn gitHub = world.gitHub;

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
		world.close();
	}

	@BeforeEach
	void locate() {
		world.at(this.port);
	}

	@Test
	@Order(1)
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

		assertThat(gitHub.dispatches())
			.filteredOn((dispatch) -> "octo-pkg".equals(dispatch.path("inputs").path("project").asString()))
			.singleElement()
			.satisfies((dispatch) -> {
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

		// The record names the run that built it.
		JsonNode record = farm.getJson("/api/files/octo_pkg-2.0-py3-none-any.whl");
		assertThat(record.path("build").path("engine").asString()).as(record.toString()).isEqualTo("github");
		assertThat(record.path("build").path("run").path("url").asString()).isEqualTo(build.path("run_url").asString());
		assertThat(record.path("build").path("sdist").path("sha256").asString()).isEqualTo(sha256);

		// The run attested the wheel; the farm verified it and serves its provenance,
		// which verifies again with the same code (PEP 740's round trip).
		String provenance = "/integrity/octo-pkg/2.0/octo_pkg-2.0-py3-none-any.whl/provenance";
		assertThat(record.path("attestation").path("attested").asBoolean()).isTrue();
		assertThat(record.path("attestation").path("provenance").asString()).isEqualTo(provenance);
		assertThat(
				Farm.file(farm.simpleJson("octo-pkg"), "octo_pkg-2.0-py3-none-any.whl").path("provenance").asString())
			.endsWith(provenance);
		JsonNode served = farm.getJson(provenance);
		JsonNode bundle = served.path("attestation_bundles").path(0);
		assertThat(bundle.path("publisher").path("repository").asString())
			.isEqualTo(GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO);
		assertThat(bundle.path("publisher").path("workflow").asString()).isEqualTo("wheelfarm-build.yml");
		String wheelSha256 = build.path("wheels").path(0).path("sha256").asString();
		assertThatCode(
				() -> AttestationVerifier.forTrustedRoot(Path.of(gitHub.trustedRoot()))
					.verify("octo_pkg-2.0-py3-none-any.whl", Sha256.of(wheelSha256),
							bundle.path("attestations").path(0).toString(), Publisher
								.gitHub(GitHubStandIn.OWNER + "/" + GitHubStandIn.REPO, "wheelfarm-build.yml", null)))
			.doesNotThrowAnyException();
	}

	@Test
	void aWheelWithoutItsAttestationIsNotPublishedAndTheBuildSaysWhy() {
		gitHub.signing("unsigned-pkg", GitHubStandIn.Signing.NONE);
		JsonNode build = refused("unsigned-pkg", "attestation-missing");
		assertThat(build.path("timeline").toString()).contains("the run shipped no attestation of unsigned_pkg-1.0");
	}

	@Test
	void aWheelSignedByAnotherRepositoryOrWorkflowIsNotPublished() {
		gitHub.signing("forged-pkg", GitHubStandIn.Signing.AS_ANOTHER_REPOSITORY);
		assertThat(refused("forged-pkg", "attestation-invalid").path("timeline").toString())
			.contains("publisher_mismatch")
			.contains("https://github.com/mallory/" + GitHubStandIn.REPO);
		gitHub.signing("sideways-pkg", GitHubStandIn.Signing.AS_ANOTHER_WORKFLOW);
		assertThat(refused("sideways-pkg", "attestation-invalid").path("timeline").toString())
			.contains("publisher_mismatch")
			.contains("the workflow other.yml");
	}

	/**
	 * A release built on the stand-in whose run's attestations the farm refuses: the
	 * build fails with {@code failureClass}, its page says so, and nothing is listed.
	 */
	private JsonNode refused(String project, String failureClass) {
		farm.sdistRelease(project, "1.0", Sdists.pure(project, "1.0"));
		farm.optIn(project, "projects = [\"" + project + "\"]\n");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		long id = farm.buildOf(project, "1.0");
		JsonNode build = farm.awaitEnded(id);
		assertThat(build.path("state").path("code").asString()).as(build.toString()).isEqualTo("failed");
		assertThat(build.path("failure").path("failure_class").asString()).isEqualTo(failureClass);
		assertThat(build.path("failure").path("kind").asString()).isEqualTo("permanent");
		String wheel = project.replace('-', '_') + "-1.0-py3-none-any.whl";
		assertThat(farm.send(HttpRequest.newBuilder(URI.create(farm.url("/builds/" + id))).GET()).body())
			.contains(failureClass);
		assertThat(Farm.filenames(farm.simpleJson(project))).doesNotContain(wheel);
		assertThat(farm.send(HttpRequest.newBuilder(URI.create(farm.url("/api/files/" + wheel))).GET()).statusCode())
			.isEqualTo(404);
		return farm.getJson("/api/builds/" + id);
	}

}
