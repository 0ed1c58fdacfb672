package dev.wheelfarm.rebuilds;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.BuildsProperties;
import dev.wheelfarm.builds.RebuildOutcome;
import dev.wheelfarm.builds.RebuildRequester;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.uploads.TestOidcIssuer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionOperations;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rebuild endpoint over real HTTP, against the whole farm with its dispatcher off (so
 * a re-queued build stays PENDING for the test to look at): trusted publishing's OIDC
 * tokens, the refusals, and the per-project allowance counted in PostgreSQL. The local
 * engine running a rebuild for real is {@code e2e.RebuildTest}.
 */
@IntegrationTest
@TestPropertySource(
		properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.builds.rebuilds-per-project-per-day=2" })
class RebuildRequestsTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String TOKEN = "wf-limited-token-81c0";

	static TestOidcIssuer issuer;

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	TransactionOperations transactions;

	@Autowired
	BuildsProperties properties;

	@DynamicPropertySource
	static void issuer(DynamicPropertyRegistry registry) throws Exception {
		issuer = new TestOidcIssuer();
		registry.add("wheelfarm.upload.oidc.jwks-url", () -> issuer.jwksUrl().toString());
	}

	@AfterAll
	static void stop() {
		issuer.close();
	}

	@Test
	void aWorkflowOfTheOptedInRepositoryAsksWithItsOidcTokenAndTheTimelineNamesTheRun() throws Exception {
		long project = optedIn("trusted-pkg", "https://github.com/Example-Org/Trusted-Pkg.git");
		long build = failedBuild(project, "1.0");
		Map<String, Object> claims = TestOidcIssuer.claims("example-org/trusted-pkg");
		claims.put("run_id", "7001234567");
		claims.put("workflow_ref", "example-org/trusted-pkg/.github/workflows/rebuild.yml@refs/heads/main");

		HttpResponse<String> asked = post("/api/projects/trusted-pkg/versions/1.0/rebuilds",
				"Bearer " + issuer.token(claims), null);
		assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
		assertThat(asked.headers().firstValue("Location")).hasValue(url("/api/builds/" + build));
		assertThat(JSON.readTree(asked.body()).path("rebuilds_left").asInt()).isEqualTo(1);
		assertThat(state(build)).isEqualTo("PENDING");

		JsonNode request = JSON.readTree(get("/api/builds/" + build).body())
			.path("timeline")
			.valueStream()
			.filter((event) -> event.path("requested_by").isObject())
			.findFirst()
			.orElseThrow()
			.path("requested_by");
		assertThat(request.path("credential").asString()).isEqualTo("oidc");
		assertThat(request.path("repository").asString()).isEqualTo("example-org/trusted-pkg");
		assertThat(request.path("workflow_ref").asString())
			.isEqualTo("example-org/trusted-pkg/.github/workflows/rebuild.yml@refs/heads/main");
		assertThat(request.path("ref").asString()).isEqualTo("refs/heads/main");
		assertThat(request.path("run_id").asString()).isEqualTo("7001234567");
		assertThat(request.path("token_fingerprint").isNull()).as("an OIDC request has no token").isTrue();
		assertThat(request.path("requested_at").asString()).isNotEmpty();
		assertThat(get("/builds/" + build).body()).contains("Rebuild asked by", "example-org/trusted-pkg",
				"rebuild.yml@refs/heads/main", "7001234567");

		// Queued again: asking twice does not queue twice.
		HttpResponse<String> twice = post("/api/projects/trusted-pkg/versions/1.0/rebuilds",
				"Bearer " + issuer.token(claims), null);
		assertThat(twice.statusCode()).as(twice.body()).isEqualTo(409);
		assertThat(JSON.readTree(twice.body()).path("state").asString()).isEqualTo("pending");
		assertThat(JSON.readTree(twice.body()).path("detail").asString()).contains("already waiting");
	}

	@Test
	void onlyTheNewestBuildOfTheReleaseCountsAndUnknownOrMalformedRequestsAreRefused() throws Exception {
		long project = optedIn("layered-pkg", "https://github.com/example-org/layered-pkg", TOKEN);
		long older = failedBuild(project, "3.0");
		long newer = insertBuild(project, "3.0", "c".repeat(64));
		String auth = "Bearer " + TOKEN;

		HttpResponse<String> running = post("/api/projects/layered-pkg/versions/3.0/rebuilds", auth, null);
		assertThat(running.statusCode()).as("the newest build is pending: the older failure is history").isEqualTo(409);
		assertThat(JSON.readTree(running.body()).path("build_id").asLong()).isEqualTo(newer);
		assertThat(state(older)).isEqualTo("FAILED");

		HttpResponse<String> unknown = post("/api/projects/layered-pkg/versions/9.9/rebuilds", auth, null);
		assertThat(unknown.statusCode()).isEqualTo(404);
		assertThat(JSON.readTree(unknown.body()).path("type").asString())
			.isEqualTo("urn:wheelfarm:problem:rebuild-no-build");

		HttpResponse<String> longNote = post("/api/projects/layered-pkg/versions/3.0/rebuilds", auth,
				Map.of("note", "x".repeat(501)));
		assertThat(longNote.statusCode()).isEqualTo(400);
		assertThat(JSON.readTree(longNote.body()).path("type").asString())
			.isEqualTo("urn:wheelfarm:problem:rebuild-invalid-request");

		HttpResponse<String> notHosted = post("/api/projects/nobody-hosts-this/versions/1.0/rebuilds", auth, null);
		assertThat(notHosted.statusCode()).isEqualTo(403);
	}

	@Test
	void theAllowanceIsCountedInTheDatabaseSoEveryReplicaSeesItAndItSlidesOverADay() throws Exception {
		long project = optedIn("limited-pkg", "https://github.com/example-org/limited-pkg", TOKEN);
		long build = failedBuild(project, "2.0");
		String path = "/api/projects/limited-pkg/versions/2.0/rebuilds";
		for (int i = 0; i < 2; i++) {
			HttpResponse<String> asked = post(path, "Bearer " + TOKEN, null);
			assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
			failAgain(build);
		}
		HttpResponse<String> third = post(path, "Bearer " + TOKEN, null);
		assertThat(third.statusCode()).as(third.body()).isEqualTo(429);
		assertThat(third.headers().firstValue("Retry-After")).isPresent();
		assertThat(state(build)).isEqualTo("FAILED");

		// Another replica (or this one after a restart): a ledger with no memory of its
		// own, over the same database.
		BuildLedger replica = new BuildLedger(this.jdbc, this.transactions, this.properties, Clock.systemUTC());
		RebuildRequester requester = RebuildRequester.token(Sha256.digest(TOKEN.getBytes(StandardCharsets.UTF_8)).hex(),
				null);
		assertThat(replica.requestRebuild("limited-pkg", "2.0", requester)).isInstanceOf(RebuildOutcome.Limited.class);

		// A day after the first request, one slot is free again, and only one.
		this.jdbc.sql("""
				UPDATE rebuild_request SET requested_at = requested_at - interval '1 day'
				WHERE id = (SELECT min(id) FROM rebuild_request WHERE build_id = :build)
				""").param("build", build).update();
		HttpResponse<String> nextDay = post(path, "Bearer " + TOKEN, null);
		assertThat(nextDay.statusCode()).as(nextDay.body()).isEqualTo(202);
		assertThat(JSON.readTree(nextDay.body()).path("rebuilds_left").asInt()).isZero();
		failAgain(build);
		assertThat(post(path, "Bearer " + TOKEN, null).statusCode()).isEqualTo(429);
	}

	// ---- rows as opt-in and the dispatcher write them

	private long optedIn(String name, String repositoryUrl, String... tokens) {
		String hashes = JSON.writeValueAsString(java.util.Arrays.stream(tokens)
			.map((token) -> Sha256.digest(token.getBytes(StandardCharsets.UTF_8)).hex())
			.toList());
		String config = "{\"projects\": [\"" + name + "\"], \"upload-token-sha256\": " + hashes + "}";
		return this.jdbc.sql("""
				WITH held AS (INSERT INTO repository (url, config) VALUES (:url, CAST(:config AS jsonb)) RETURNING id)
				INSERT INTO project (name, display_name, repository_id, optin_state)
				SELECT :name, :name, held.id, 'OPTED_IN' FROM held RETURNING id
				""").param("url", repositoryUrl).param("config", config).param("name", name).query(Long.class).single();
	}

	private long insertBuild(long project, String version, String sdistSha256) {
		return this.jdbc.sql("""
				INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint,
				                   origin, reason)
				VALUES (:project, :version, 'pkg.tar.gz', 'https://files.invalid/pkg.tar.gz', :sha, :recipe, 'watcher',
				        'queued by watcher')
				RETURNING id
				""")
			.param("project", project)
			.param("version", version)
			.param("sha", sdistSha256)
			.param("recipe", "b".repeat(64))
			.query(Long.class)
			.single();
	}

	private long failedBuild(long project, String version) {
		long id = insertBuild(project, version, "a".repeat(64));
		failAgain(id);
		return id;
	}

	/** The builder's verdict, as the dispatcher records a permanent failure. */
	private void failAgain(long build) {
		assertThat(this.jdbc
			.sql("""
					UPDATE build SET state = 'FAILED', failure_kind = 'permanent', failure_class = 'missing-build-dependency',
					                 reason = 'missing-build-dependency: No module named helper'
					WHERE id = :id AND state = 'PENDING'
					""")
			.param("id", build)
			.update()).isEqualTo(1);
	}

	private String state(long build) {
		return this.jdbc.sql("SELECT state FROM build WHERE id = :id").param("id", build).query(String.class).single();
	}

	// ---- HTTP

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	private HttpResponse<String> post(String path, String authorization, Map<String, String> body) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
			.header("Authorization", authorization);
		if (body != null) {
			request.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
		}
		else {
			request.POST(HttpRequest.BodyPublishers.noBody());
		}
		return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> get(String path) throws Exception {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url(path))).build(), HttpResponse.BodyHandlers.ofString());
	}

}
