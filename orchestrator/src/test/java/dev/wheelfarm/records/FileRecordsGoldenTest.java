package dev.wheelfarm.records;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/files/{filename}} against golden files: a wheel built on GitHub Actions
 * that came through a review stage, a wheel of the local builder that was withdrawn, and
 * a file uploaded by a trusted publisher's workflow. The rows are the ones the build,
 * stage and upload code writes (with fixed times); the real paths that write them are
 * checked by the upload and GitHub end-to-end tests.
 */
@IntegrationTest
// A context (and so a database) of its own: its rows and exports must not meet other
// classes' (spring.application.name only names the log lines).
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=0s",
		"spring.application.name=file-records-golden" })
class FileRecordsGoldenTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String SDIST_SHA256 = "1111111111111111111111111111111111111111111111111111111111111111";

	private static final String WHEEL_SHA256 = "2222222222222222222222222222222222222222222222222222222222222222";

	private static final String LOCAL_SHA256 = "3333333333333333333333333333333333333333333333333333333333333333";

	private static final String UPLOAD_SHA256 = "4444444444444444444444444444444444444444444444444444444444444444";

	private static final String METADATA = "5555555555555555555555555555555555555555555555555555555555555555";

	private static final String FINGERPRINT = "6666666666666666666666666666666666666666666666666666666666666666";

	private static final String BUNDLE = "7777777777777777777777777777777777777777777777777777777777777777";

	private static boolean seeded;

	private static long githubBuild;

	private static long localBuild;

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	private final HttpClient http = HttpClient.newHttpClient();

	@BeforeAll
	static void reset() {
		seeded = false;
	}

	@Test
	void aWheelBuiltOnGitHubActionsThatCameThroughAStage() throws Exception {
		seed();
		assertThat(get("/api/files/record_pkg-1.0-py3-none-any.whl"))
			.isEqualTo(golden("github-built.json", githubBuild));
	}

	@Test
	void aWithdrawnWheelOfTheLocalBuilder() throws Exception {
		seed();
		assertThat(get("/api/files/record_pkg-0.9-cp311-cp311-linux_x86_64.whl"))
			.isEqualTo(golden("local-built.json", localBuild));
	}

	@Test
	void aFileUploadedByATrustedPublishersWorkflow() throws Exception {
		seed();
		assertThat(get("/api/files/record_pkg-1.1.dev3-py3-none-any.whl")).isEqualTo(golden("oidc-upload.json", 0));
	}

	@Test
	void anUnknownOrStagedFileIsAProblem404() throws Exception {
		seed();
		for (String name : new String[] { "nothing-1.0.tar.gz", "record_pkg-1.2-py3-none-any.whl", "x".repeat(300) }) {
			HttpResponse<String> response = send("/api/files/" + name);
			assertThat(response.statusCode()).as(name).isEqualTo(404);
			assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			JsonNode problem = JSON.readTree(response.body());
			assertThat(problem.path("type").asString()).isEqualTo("urn:wheelfarm:problem:unknown-file");
			assertThat(problem.path("title").asString()).isEqualTo("Unknown file");
			assertThat(problem.path("detail").asString()).contains("is not a file this farm serves");
		}
	}

	/**
	 * The rows, written once per class (the context, hence the database, may be shared
	 * with other classes: every name here is this test's own).
	 */
	private synchronized void seed() {
		if (seeded) {
			return;
		}
		long project = this.jdbc.sql("""
				WITH held AS (INSERT INTO repository (url) VALUES ('https://github.com/example-org/record-pkg')
				              RETURNING id)
				INSERT INTO project (name, display_name, repository_id, optin_state)
				SELECT 'record-pkg', 'record-pkg', held.id, 'OPTED_IN' FROM held RETURNING id
				""").query(Long.class).single();
		githubBuild = build(project, "1.0", "github", "9100000042",
				"https://github.com/farm-org/wheelfarm-builds/actions/runs/9100000042");
		long stage = this.jdbc.sql("""
				INSERT INTO stage (project_id, token, expires_at, created_at, state, closed_at, closed_reason)
				VALUES (:p, :token, '2026-12-10T00:00:00Z', '2026-12-01T10:00:00Z', 'PUBLISHED',
				        '2026-12-01T11:30:00Z', 'published by the maintainer')
				RETURNING id
				""").param("p", project).param("token", "t".repeat(43)).query(Long.class).single();
		wheel(project, githubBuild, "1.0", "record_pkg-1.0-py3-none-any.whl", WHEEL_SHA256, stage);
		localBuild = build(project, "0.9", "local", "wf-2-1", null);
		wheel(project, localBuild, "0.9", "record_pkg-0.9-cp311-cp311-linux_x86_64.whl", LOCAL_SHA256, null);
		this.jdbc.sql("""
				UPDATE wheel SET withdrawn_at = '2026-12-02T09:00:00Z',
				                 withdrawn_reason = 'PyPI now serves a wheel with these tags'
				WHERE filename = 'record_pkg-0.9-cp311-cp311-linux_x86_64.whl'
				""").update();
		this.jdbc.sql("""
				INSERT INTO wheel (project_id, version, filename, sha256, size, metadata_sha256, origin, kind,
				                   uploaded_by, oidc_repository, oidc_workflow_ref, oidc_ref, oidc_run_id, stored_at)
				VALUES (:p, '1.1.dev3', 'record_pkg-1.1.dev3-py3-none-any.whl', :sha, 2048, :meta, 'upload', 'wheel',
				        'oidc:example-org/record-pkg@refs/heads/main', 'example-org/record-pkg',
				        'example-org/record-pkg/.github/workflows/nightly.yml@refs/heads/main', 'refs/heads/main',
				        '1234567890', '2026-12-03T02:00:00Z')
				""").param("p", project).param("sha", UPLOAD_SHA256).param("meta", METADATA).update();
		// A file in a stage nobody published yet: not public, so no record either.
		long open = this.jdbc.sql("""
				INSERT INTO stage (project_id, token, expires_at) VALUES (:p, :token, now() + interval '1 day')
				RETURNING id
				""").param("p", project).param("token", "o".repeat(43)).query(Long.class).single();
		this.jdbc.sql("""
				INSERT INTO wheel (project_id, version, filename, sha256, size, metadata_sha256, origin, kind,
				                   uploaded_by, upload_token_fingerprint, stage_id, staged_in)
				VALUES (:p, '1.2', 'record_pkg-1.2-py3-none-any.whl', :sha, 10, :meta, 'upload', 'wheel', 'token',
				        'sha256:0123456789abcdef', :s, :s)
				""").param("p", project).param("sha", METADATA).param("meta", METADATA).param("s", open).update();
		seeded = true;
	}

	/**
	 * A build that went through the ledger's states to PUBLISHED (the trigger checks each
	 * move and writes the timeline), its times then fixed for the golden file.
	 */
	private long build(long project, String version, String builder, String runId, String runUrl) {
		String options = "{\"strategy\": \"auto\"}";
		long id = this.jdbc.sql("""
				INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint,
				                   origin, options, recipe_parts)
				VALUES (:p, :v, :sdist, :url, :sha, :recipe, 'watcher', CAST(:options AS jsonb),
				        jsonb_build_object('bundle', CAST(:bundle AS text), 'engine', CAST(:engine AS text),
				                           'options', CAST(:options AS text)))
				RETURNING id
				""")
			.param("p", project)
			.param("v", version)
			.param("sdist", "record_pkg-" + version + ".tar.gz")
			.param("url", "https://files.pythonhosted.org/packages/ab/cd/record_pkg-" + version + ".tar.gz")
			.param("sha", SDIST_SHA256)
			.param("recipe", FINGERPRINT)
			.param("options", options)
			.param("bundle", BUNDLE)
			.param("engine", builder.toUpperCase(java.util.Locale.ROOT))
			.query(Long.class)
			.single();
		this.jdbc.sql("""
				UPDATE build SET state = 'DISPATCHED', builder = :builder, external_run_id = :run,
				                 external_run_url = :url, request_id = 'wf-' || id || '-1'
				WHERE id = :id
				""").param("builder", builder).param("run", runId).param("url", runUrl).param("id", id).update();
		for (String state : new String[] { "RUNNING", "SUCCEEDED", "PUBLISHED" }) {
			this.jdbc.sql("UPDATE build SET state = :s WHERE id = :id").param("s", state).param("id", id).update();
		}
		this.jdbc.sql("""
				UPDATE build_event SET at = CASE to_state
				    WHEN 'PENDING' THEN TIMESTAMPTZ '2026-12-01T08:00:00Z'
				    WHEN 'DISPATCHED' THEN TIMESTAMPTZ '2026-12-01T08:00:05Z'
				    WHEN 'RUNNING' THEN TIMESTAMPTZ '2026-12-01T08:00:40Z'
				    WHEN 'SUCCEEDED' THEN TIMESTAMPTZ '2026-12-01T08:04:12.5Z'
				    ELSE TIMESTAMPTZ '2026-12-01T08:04:13Z' END
				WHERE build_id = :id
				""").param("id", id).update();
		return id;
	}

	private void wheel(long project, long build, String version, String filename, String sha256, Long stage) {
		this.jdbc.sql("""
				INSERT INTO wheel (build_id, project_id, version, filename, sha256, size, metadata_sha256, stored_at,
				                   staged_in)
				VALUES (:b, :p, :v, :f, :sha, 12345, :meta, '2026-12-01T08:04:13Z', :s)
				""")
			.param("b", build)
			.param("p", project)
			.param("v", version)
			.param("f", filename)
			.param("sha", sha256)
			.param("meta", METADATA)
			.param("s", stage)
			.update();
	}

	private String get(String path) throws Exception {
		HttpResponse<String> response = send(path);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		// Re-indented, keys in the answer's order: the golden file is read by people.
		return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(response.body())) + "\n";
	}

	private HttpResponse<String> send(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
	}

	/**
	 * A golden file, with the build's id (the database's sequence) in place of BUILD_ID.
	 */
	private static String golden(String name, long buildId) throws IOException {
		try (InputStream in = FileRecordsGoldenTest.class.getResourceAsStream("golden/" + name)) {
			assertThat(in).as("golden file " + name).isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("BUILD_ID", Long.toString(buildId));
		}
	}

}
