package dev.wheelfarm.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.pypi.PypiWatcher;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.uploads.TestOidcIssuer;
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
 * A maintainer's rebuild, end to end on the local engine: a release fails for real
 * because a build dependency is missing, the dependency is then published (outside the
 * recipe: the recipe fingerprint does not change, so the farm would never try again on
 * its own), the maintainer asks over HTTP with the project token, and the same build runs
 * again and publishes its wheel. Wrong credentials, a build that has not failed and a
 * spent daily allowance are refused with the documented statuses.
 */
@IntegrationTest
// Its stand-ins make the context unique, and its schedules would keep running: close it.
@DirtiesContext
// Unsandboxed: the "published" build helper is a file this test writes on the host, which
// the sandbox hides (SandboxedBuildTest covers the sandboxed path).
@TestPropertySource(properties = { "wheelfarm.engine=local", "wheelfarm.local.python=" + Sdists.PYTHON,
		"wheelfarm.local.offline=true", "wheelfarm.local.sandbox.mode=unsandboxed", "wheelfarm.local.fetch-retries=0",
		"wheelfarm.dispatch.interval=200ms", "wheelfarm.index.page-cache-ttl=1s",
		"wheelfarm.pypi.initial-backoff=100ms", "wheelfarm.builds.rebuilds-per-project-per-day=1" })
class RebuildTest {

	static final Farm farm = Farm.start();

	static TestOidcIssuer issuer;

	private static final String TOKEN = "wf-rebuild-test-token-3f9c2a";

	@LocalServerPort
	int port;

	@Autowired
	PypiWatcher watcher;

	@DynamicPropertySource
	static void world(DynamicPropertyRegistry registry) throws IOException {
		farm.properties(registry);
		issuer = new TestOidcIssuer();
		registry.add("wheelfarm.upload.oidc.jwks-url", () -> issuer.jwksUrl().toString());
	}

	@AfterAll
	static void stop() {
		farm.close();
		issuer.close();
	}

	@BeforeEach
	void locate() {
		farm.at(this.port);
	}

	@Test
	void aFailedReleaseIsBuiltAgainOnTheMaintainersRequestOnceItsBuildDependencyIsFixed() throws IOException {
		Path helpers = Files.createDirectories(farm.scratch.resolve("published-build-helpers"));
		farm.sdistRelease("fixable-pkg", "1.0", needing("fixable-pkg", "1.0", helpers, "fixable_build_helper"));
		farm.optIn("fixable-pkg", "projects = [\"fixable-pkg\"]\nupload-token-sha256 = \"" + sha256(TOKEN) + "\"\n");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		long id = farm.buildOf("fixable-pkg", "1.0");
		JsonNode failed = farm.awaitEnded(id);
		assertThat(failed.path("state").path("code").asString()).as(failed.toString()).isEqualTo("failed");
		assertThat(failed.path("failure").path("failure_class").asString()).isEqualTo("missing-build-dependency");
		assertThat(failed.path("failure").path("log_excerpt").asString()).contains("fixable_build_helper");
		assertThat(farm.send(HttpRequest.newBuilder(URI.create(farm.url("/builds/" + id))).GET()).body())
			.as("the failed build's page tells the maintainer how to ask")
			.contains("curl -X POST", "Authorization: Bearer $WHEELFARM_TOKEN",
					farm.url("/api/projects/fixable-pkg/versions/1.0/rebuilds"));

		// Nobody else may ask: no credential, a wrong token, another repository's
		// workflow.
		HttpResponse<String> anonymous = rebuild("fixable-pkg", "1.0", null, null);
		assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
		assertThat(type(anonymous)).isEqualTo("urn:wheelfarm:problem:rebuild-unauthenticated");
		HttpResponse<String> wrong = rebuild("fixable-pkg", "1.0", "Bearer not-the-token", null);
		assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(403);
		assertThat(wrong.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(type(wrong)).isEqualTo("urn:wheelfarm:problem:rebuild-forbidden");
		String elsewhere = issuer.token(TestOidcIssuer.claims("example-org/another-project"));
		HttpResponse<String> otherRepository = rebuild("fixable-pkg", "1.0", "Bearer " + elsewhere, null);
		assertThat(otherRepository.statusCode()).as(otherRepository.body()).isEqualTo(403);
		assertThat(json(otherRepository).path("detail").asString())
			.contains("example-org/another-project is not fixable-pkg's opted-in repository");
		assertThat(farm.getJson("/api/builds/" + id).path("state").path("code").asString()).as("nothing was re-queued")
			.isEqualTo("failed");

		// The build dependency publishes its fix: nothing in the recipe changed.
		Files.writeString(helpers.resolve("fixable_build_helper.py"), "FIXED = True\n");
		HttpResponse<String> asked = rebuild("fixable-pkg", "1.0", basic(TOKEN),
				Map.of("note", "fixable_build_helper 2.0 is out"));
		assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
		assertThat(asked.headers().firstValue("Location")).hasValue(farm.url("/api/builds/" + id));
		JsonNode queued = json(asked);
		assertThat(queued.path("build_id").asLong()).as("the same build, under its id").isEqualTo(id);
		assertThat(queued.path("state").path("code").asString()).isEqualTo("pending");
		assertThat(queued.path("rebuilds_left").asInt()).isZero();
		String fingerprint = "sha256:" + sha256(TOKEN).substring(0, 16);
		assertThat(queued.path("requested_by").path("token_fingerprint").asString()).isEqualTo(fingerprint);

		JsonNode rebuilt = farm.awaitEnded(id);
		assertThat(rebuilt.path("state").path("code").asString()).as(rebuilt.toString()).isEqualTo("published");
		assertThat(rebuilt.path("wheels").path(0).path("filename").asString())
			.isEqualTo("fixable_pkg-1.0-py3-none-any.whl");
		assertThat(rebuilt.path("attempts").asInt()).as("attempts count over the build's whole life").isEqualTo(2);
		assertThat(Farm.filenames(farm.simpleJson("fixable-pkg"))).contains("fixable_pkg-1.0-py3-none-any.whl");

		// The timeline keeps the failure, then says who asked, then the new run.
		List<JsonNode> timeline = rebuilt.path("timeline").valueStream().toList();
		List<String> states = timeline.stream().map((event) -> event.path("state").asString()).toList();
		assertThat(states).containsSubsequence("pending", "dispatched", "failed", "pending", "dispatched", "published");
		JsonNode request = timeline.stream()
			.filter((event) -> event.path("requested_by").isObject())
			.findFirst()
			.orElseThrow(() -> new AssertionError("no request on the timeline: " + rebuilt));
		assertThat(request.path("state").asString()).isEqualTo("pending");
		assertThat(request.path("requested_by").path("credential").asString()).isEqualTo("token");
		assertThat(request.path("requested_by").path("token_fingerprint").asString()).isEqualTo(fingerprint);
		assertThat(request.path("requested_by").path("note").asString()).isEqualTo("fixable_build_helper 2.0 is out");
		assertThat(request.path("reason").asString()).contains(fingerprint);
		String page = farm.send(HttpRequest.newBuilder(URI.create(farm.url("/builds/" + id))).GET()).body();
		assertThat(page).contains("Rebuild asked by", fingerprint, "fixable_build_helper 2.0 is out");
		assertThat(rebuilt.toString() + page).as("the token itself is never shown").doesNotContain(TOKEN);

		// Built now: there is nothing to rebuild.
		HttpResponse<String> again = rebuild("fixable-pkg", "1.0", "Bearer " + TOKEN, null);
		assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
		assertThat(type(again)).isEqualTo("urn:wheelfarm:problem:rebuild-not-failed");
		assertThat(json(again).path("state").asString()).isEqualTo("published");
		assertThat(json(again).path("detail").asString()).contains("is published");
	}

	@Test
	void theDailyAllowanceIsPerProjectAndASpentOneAnswers429WithRetryAfter() throws IOException {
		Path helpers = Files.createDirectories(farm.scratch.resolve("never-published"));
		farm.sdistRelease("stubborn-pkg", "2.0", needing("stubborn-pkg", "2.0", helpers, "stubborn_helper"));
		farm.optIn("stubborn-pkg", "projects = [\"stubborn-pkg\"]\nupload-token-sha256 = \"" + sha256(TOKEN) + "\"\n");
		this.watcher.watch(PypiWatcher.Mode.AUTO);
		long id = farm.buildOf("stubborn-pkg", "2.0");
		assertThat(farm.awaitEnded(id).path("state").path("code").asString()).isEqualTo("failed");

		// The allowance is one a day; the other test's project spending its own takes
		// nothing from this one.
		HttpResponse<String> first = rebuild("stubborn-pkg", "2.0", "Bearer " + TOKEN, null);
		assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
		JsonNode failedAgain = farm.awaitEnded(id);
		assertThat(failedAgain.path("state").path("code").asString()).as("the cause was not fixed").isEqualTo("failed");

		HttpResponse<String> second = rebuild("stubborn-pkg", "2.0", "Bearer " + TOKEN, null);
		assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
		assertThat(type(second)).isEqualTo("urn:wheelfarm:problem:rebuild-limit-reached");
		long retryAfter = Long.parseLong(second.headers().firstValue("Retry-After").orElseThrow());
		assertThat(retryAfter).as("until the first request is a day old").isBetween(86_000L, 86_400L);
		assertThat(json(second).path("detail").asString()).contains("Try again in " + retryAfter + " s");
		assertThat(farm.getJson("/api/builds/" + id).path("state").path("code").asString()).isEqualTo("failed");
	}

	/**
	 * A pure project whose {@code setup.py} imports a build helper from {@code helpers}:
	 * the build fails with "No module named" until the helper exists.
	 */
	private static Map<String, String> needing(String name, String version, Path helpers, String helper) {
		String module = name.replace('-', '_');
		// A JSON string of an ASCII path is a valid Python string literal.
		String directory = farm.json.writeValueAsString(helpers.toString());
		return Map.of("setup.py", """
				import sys
				sys.path.insert(0, %s)
				import %s
				from setuptools import setup
				setup(name="%s", version="%s", packages=["%s"], package_dir={"": "src"})
				""".formatted(directory, helper, name, version, module), "src/" + module + "/__init__.py",
				"ANSWER = 42\n");
	}

	private static HttpResponse<String> rebuild(String project, String version, String authorization,
			Map<String, String> body) {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create(farm.url("/api/projects/" + project + "/versions/" + version + "/rebuilds")));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		if (body != null) {
			request.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(farm.json.writeValueAsString(body)));
		}
		else {
			request.POST(HttpRequest.BodyPublishers.noBody());
		}
		return farm.send(request);
	}

	private static String basic(String token) {
		return "Basic " + Base64.getEncoder().encodeToString(("__token__:" + token).getBytes(StandardCharsets.UTF_8));
	}

	private static String sha256(String token) {
		return Sha256.digest(token.getBytes(StandardCharsets.UTF_8)).hex();
	}

	private static JsonNode json(HttpResponse<String> response) {
		return farm.json.readTree(response.body());
	}

	private static String type(HttpResponse<String> response) {
		return json(response).path("type").asString();
	}

}
