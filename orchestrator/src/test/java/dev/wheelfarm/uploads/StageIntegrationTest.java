package dev.wheelfarm.uploads;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.builds.BuildSucceeded;
import dev.wheelfarm.builds.WheelIngest;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.retention.RetentionService;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.stages.Stages;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Staged preview and atomic publish, end to end: twine uploads into a stage, real pip
 * installs from the stage's URL while the index does not show the files, and from the
 * index only once the stage is published. The page cache keeps its default TTL here, so
 * the publish must evict it.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false" })
class StageIntegrationTest extends UploadTestBase {

	static final String TOKEN = "wf-staged-token-6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d";

	static final String OTHER_TOKEN = "wf-bystander-token-9f8e7d6c5b4a39281706f5e4d3c2b1a0";

	@Autowired
	Stages stages;

	@Autowired
	WheelIngest ingest;

	@Autowired
	RetentionService retention;

	@Autowired
	UploadRepository uploadRows;

	@Override
	void seed(UploadFixtures rows) {
		rows.optedIn("staged", "https://github.com/example-org/staged", "immediate", TOKEN);
		rows.optedIn("previewed", "https://github.com/example-org/previewed", "immediate", TOKEN);
		rows.optedIn("bystander", "https://github.com/example-org/bystander", "immediate", OTHER_TOKEN);
		rows.optedIn("reviewed", "https://github.com/example-org/reviewed", "review");
		rows.optedIn("expiring", "https://github.com/example-org/expiring", "immediate", TOKEN);
		rows.optedIn("retained", "https://github.com/example-org/retained", "immediate", TOKEN);
		rows.optedIn("racing", "https://github.com/example-org/racing", "immediate", TOKEN);
	}

	@Test
	void pipSeesAStagedReleaseOnlyAtTheStageUrlUntilItIsPublished() throws Exception {
		HttpResponse<String> opened = call("POST", "/api/projects/previewed/stages", TOKEN);
		assertThat(opened.statusCode()).as(opened.body()).isEqualTo(201);
		JsonNode stage = JSON.readTree(opened.body());
		String index = stage.path("index_url").stringValue();
		String upload = stage.path("upload_url").stringValue();
		assertThat(index).matches("http://127\\.0\\.0\\.1:\\d+/stage/[A-Za-z0-9_-]{43}/simple/");
		HttpResponse<String> again = call("POST", "/api/projects/previewed/stages", TOKEN);
		assertThat(again.statusCode()).isEqualTo(200);
		assertThat(JSON.readTree(again.body()).path("index_url").stringValue()).isEqualTo(index);

		Path dir = Files.createDirectories(scratch.resolve("release"));
		Path wheel = TestWheels.of("previewed", "3.0").write(dir, "previewed-3.0-py3-none-any.whl");
		Path sdist = Files.write(dir.resolve("previewed-3.0.tar.gz"),
				Sdists.sdist(scratch, "previewed", "3.0", Sdists.pure("previewed", "3.0")));
		Venv.Result uploaded = this.clients.twine(upload, TOKEN, wheel, sdist);
		assertThat(uploaded.exitCode()).as(uploaded.output()).isZero();
		assertThat(uploaded.output()).contains("staged; preview at " + index);

		// The index lists nothing, and caches that page: the publish below must evict it.
		assertThat(simpleJson(url("/simple/previewed/")).path("files")).isEmpty();
		Venv.Result before = this.clients.pip(url("/simple/"), "install", "--no-deps", "previewed==3.0");
		assertThat(before.exitCode()).as(before.output()).isNotZero();
		assertThat(before.output()).contains("No matching distribution found for previewed==3.0");
		Venv.Result preview = this.clients.pip(index, "install", "--no-deps", "previewed==3.0");
		assertThat(preview.exitCode()).as(preview.output()).isZero();
		assertThat(preview.output()).contains("/stage/").contains("previewed-3.0-py3-none-any.whl");
		assertThat(this.clients.python("import previewed; print(previewed.VERSION)").output().strip()).isEqualTo("3.0");
		JsonNode stagePage = simpleJson(index + "previewed/");
		assertThat(stagePage.path("files")).hasSize(2);
		assertThat(call("GET", "/api/files/previewed-3.0.tar.gz", null).statusCode())
			.as("a staged file has no public record until its stage is published")
			.isEqualTo(404);

		// Whoever holds the URL may look at the stage; listing the project's needs the
		// credential.
		HttpResponse<String> shown = call("GET", "/api/stages/" + token(index), null);
		assertThat(shown.statusCode()).isEqualTo(200);
		assertThat(JSON.readTree(shown.body()).path("files")).hasSize(2);
		assertThat(opened.headers().firstValue("Location")).hasValue(url("/api/stages/" + token(index)));
		assertThat(call("GET", "/api/projects/previewed/stages", null).statusCode()).isEqualTo(401);
		JsonNode listed = JSON.readTree(call("GET", "/api/projects/previewed/stages", TOKEN).body());
		assertThat(listed.path("stages").get(0).path("files")).hasSize(2);
		HttpResponse<String> published = call("POST", "/api/stages/" + token(index) + "/publish", TOKEN);
		assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
		assertThat(JSON.readTree(published.body()).path("closed_files").toString()).contains("previewed-3.0.tar.gz")
			.contains("previewed-3.0-py3-none-any.whl");
		assertThat(JSON.readTree(published.body()).path("state").stringValue()).isEqualTo("published");

		// The public record says the file came through a stage (never which: its URL is
		// the secret) and which project token uploaded it.
		HttpResponse<String> record = call("GET", "/api/files/previewed-3.0.tar.gz", null);
		assertThat(record.statusCode()).as(record.body()).isEqualTo(200);
		JsonNode file = JSON.readTree(record.body());
		assertThat(file.path("stage").path("published_at").isString()).as(file.toString()).isTrue();
		assertThat(record.body()).doesNotContain(token(index));
		assertThat(file.path("upload").path("credential").asString()).isEqualTo("token");
		assertThat(file.path("upload").path("token_fingerprint").asString())
			.isEqualTo("sha256:" + UploadFixtures.sha256(TOKEN).substring(0, 16));
		assertThat(file.path("upload").path("oidc").isNull()).isTrue();

		// Both files at once, at the index; the stage's URL is gone.
		JsonNode page = simpleJson(url("/simple/previewed/"));
		assertThat(page.path("files")).hasSize(2);
		assertThat(get(index).statusCode()).isEqualTo(404);
		Venv.Result after = this.clients.pip(url("/simple/"), "install", "--no-deps", "--force-reinstall",
				"previewed==3.0");
		assertThat(after.exitCode()).as(after.output()).isZero();
		assertThat(after.output()).doesNotContain("/stage/");
		HttpResponse<String> twice = call("POST", "/api/stages/" + token(index) + "/publish", TOKEN);
		assertThat(twice.statusCode()).isEqualTo(409);
		assertThat(twice.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(twice.body()).contains("published");
	}

	@Test
	void stageTrueLandsInTheOpenStageAndDiscardingRemovesItsFiles() throws Exception {
		Path dir = Files.createDirectories(scratch.resolve("discard"));
		String filename = "staged-3.1.dev1-py3-none-any.whl";
		Path wheel = TestWheels.of("staged", "3.1.dev1").write(dir, filename);
		Venv.Result uploaded = this.clients.twine(url("/legacy/?stage=true"), TOKEN, wheel);
		assertThat(uploaded.exitCode()).as(uploaded.output()).isZero();
		JsonNode stage = JSON.readTree(call("GET", "/api/projects/staged/stages", TOKEN).body()).path("stages").get(0);
		assertThat(stage.path("state").stringValue()).isEqualTo("open");
		assertThat(stage.path("files").get(0).path("filename").stringValue()).isEqualTo(filename);
		String token = token(stage.path("index_url").stringValue());
		// Staged bytes are reachable only through the stage's URL.
		String sha = Sha256.digest(Files.readAllBytes(wheel)).hex();
		String path = "/files/" + sha.substring(0, 2) + "/" + sha + "/" + filename;
		assertThat(get(url(path)).statusCode()).isEqualTo(404);
		assertThat(get(url("/stage/" + token + path)).statusCode()).isEqualTo(200);

		HttpResponse<String> refused = call("DELETE", "/api/stages/" + token, OTHER_TOKEN);
		assertThat(refused.statusCode()).isEqualTo(403);
		assertThat(this.rows.files(filename)).isOne();
		HttpResponse<String> discarded = call("DELETE", "/api/stages/" + token, TOKEN);
		assertThat(discarded.statusCode()).as(discarded.body()).isEqualTo(200);
		assertThat(this.rows.files(filename)).isZero();
		assertThat(get(url("/stage/" + token + "/simple/staged/")).statusCode()).isEqualTo(404);
		assertThat(get(url("/stage/" + token + path)).statusCode()).isEqualTo(404);
		// Never public, so the name is free again.
		Path rebuilt = TestWheels.of("staged", "3.1.dev1")
			.member("staged/fixed.py", "FIXED = True\n".getBytes(StandardCharsets.UTF_8))
			.write(Files.createDirectories(scratch.resolve("rebuilt")), filename);
		assertThat(this.clients.twine(url("/legacy/"), TOKEN, rebuilt).exitCode()).isZero();
		assertThat(this.rows.sha256Of(filename)).isEqualTo(Sha256.digest(Files.readAllBytes(rebuilt)).hex());
	}

	@Test
	void anotherProjectsCredentialCannotUseAStage() throws Exception {
		String index = JSON.readTree(call("POST", "/api/projects/staged/stages", TOKEN).body())
			.path("index_url")
			.stringValue();
		String token = token(index);
		Path wheel = TestWheels.of("bystander", "1.0")
			.write(Files.createDirectories(scratch.resolve("bystander")), "bystander-1.0-py3-none-any.whl");
		Venv.Result upload = this.clients.twine(url("/stage/" + token + "/legacy/"), OTHER_TOKEN, wheel);
		assertThat(upload.exitCode()).isNotZero();
		assertThat(upload.output()).contains("403").contains("This stage belongs to staged, not bystander");
		assertThat(this.rows.files("bystander-1.0-py3-none-any.whl")).isZero();
		assertThat(call("POST", "/api/stages/" + token + "/publish", OTHER_TOKEN).statusCode()).isEqualTo(403);
		assertThat(call("POST", "/api/stages/" + token + "/publish", null).statusCode()).isEqualTo(401);
		assertThat(call("GET", "/api/projects/staged/stages", OTHER_TOKEN).statusCode()).isEqualTo(403);
		// A refused upload with stage=true leaves no stage behind.
		Path broken = TestWheels.of("bystander", "1.1")
			.editRecord((record) -> record.replaceFirst("sha256=[A-Za-z0-9_-]+", "sha256=AAAA"))
			.write(Files.createDirectories(scratch.resolve("broken")), "bystander-1.1-py3-none-any.whl");
		assertThat(this.clients.twine(url("/legacy/?stage=true"), OTHER_TOKEN, broken).output()).contains("400");
		assertThat(this.stages.of(ProjectName.of("bystander"))).isEmpty();
	}

	@Test
	void aFarmBuildOfAProjectThatPublishesOnReviewLandsInItsStage() throws Exception {
		long project = this.jdbc.sql("SELECT id FROM project WHERE name = 'reviewed'").query(Long.class).single();
		long build = succeededBuild(project, "0.5");
		Path wheel = TestWheels.of("reviewed", "0.5")
			.write(Files.createDirectories(scratch.resolve("review")), "reviewed-0.5-py3-none-any.whl");
		WheelIngest.Outcome outcome = this.ingest.ingest(new BuildSucceeded(build, ProjectName.of("reviewed"), "0.5",
				List.of(new BuildSucceeded.BuiltWheel(wheel.getFileName().toString(), wheel,
						Sha256.digest(Files.readAllBytes(wheel)), Files.size(wheel)))));
		assertThat(outcome.rejections()).isEmpty();
		assertThat(
				this.jdbc.sql("SELECT state FROM build WHERE id = :id").param("id", build).query(String.class).single())
			.isEqualTo("PUBLISHED");
		assertThat(simpleJson(url("/simple/reviewed/")).path("files")).isEmpty();
		var stage = this.stages.of(ProjectName.of("reviewed")).get(0);
		assertThat(stage.isOpen()).isTrue();
		assertThat(simpleJson(url("/stage/" + stage.token() + "/simple/reviewed/")).path("files")).hasSize(1);
		assertThat(this.stages.publish(stage)).hasValue(List.of("reviewed-0.5-py3-none-any.whl"));
		assertThat(simpleJson(url("/simple/reviewed/")).path("files")).hasSize(1);
	}

	@Test
	void aStageNobodyPublishedExpires() throws Exception {
		long project = this.jdbc.sql("SELECT id FROM project WHERE name = 'expiring'").query(Long.class).single();
		Path wheel = TestWheels.of("expiring", "1.0.dev1")
			.write(Files.createDirectories(scratch.resolve("expiring")), "expiring-1.0.dev1-py3-none-any.whl");
		assertThat(this.clients.twine(url("/legacy/?stage=true"), TOKEN, wheel).exitCode()).isZero();
		this.jdbc.sql("""
				UPDATE stage SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day'
				WHERE project_id = :project AND state = 'OPEN'
				""").param("project", project).update();
		// Past its time it is closed at once, before the expiry job comes by.
		String token = this.stages.of(ProjectName.of("expiring")).get(0).token();
		assertThat(get(url("/stage/" + token + "/simple/")).statusCode()).isEqualTo(404);
		HttpResponse<String> late = call("POST", "/api/stages/" + token + "/publish", TOKEN);
		assertThat(late.statusCode()).isEqualTo(409);
		assertThat(late.body()).contains("expired");
		assertThat(this.stages.discardExpired()).isEqualTo(1);
		var stage = this.stages.of(ProjectName.of("expiring")).get(0);
		assertThat(stage.state()).isEqualTo("DISCARDED");
		assertThat(stage.closedReason()).isEqualTo("expired");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
		assertThat(this.stages.discardExpired()).isZero();
	}

	@Test
	void retentionLeavesStagedFilesAloneAndCountsOnlyPublicVersions() throws Exception {
		this.jdbc
			.sql("""
					UPDATE repository
					SET config = config || '{"retention": {"applies-to": "prereleases", "keep-newest": 1, "max-age-days": 1}}'
					WHERE url = 'https://github.com/example-org/retained'
					""")
			.update();
		Path dir = Files.createDirectories(scratch.resolve("retained"));
		Path old = TestWheels.of("retained", "1.0.dev1").write(dir, "retained-1.0.dev1-py3-none-any.whl");
		Path staged = TestWheels.of("retained", "1.0.dev2").write(dir, "retained-1.0.dev2-py3-none-any.whl");
		assertThat(this.clients.twine(legacy(), TOKEN, old).exitCode()).isZero();
		this.jdbc.sql("UPDATE wheel SET stored_at = now() - interval '30 days' WHERE filename = :f")
			.param("f", old.getFileName().toString())
			.update();
		assertThat(this.clients.twine(url("/legacy/?stage=true"), TOKEN, staged).exitCode()).isZero();

		// The only public version is the newest public one: kept, though 30 days old.
		this.retention.run();
		assertThat(removed(old)).isFalse();
		assertThat(removed(staged)).isFalse();
		// Published, the staged version is the newest: now the old one may go.
		this.stages.publish(this.stages.of(ProjectName.of("retained")).get(0));
		this.retention.run();
		assertThat(removed(old)).isTrue();
		assertThat(removed(staged)).isFalse();
	}

	@Test
	void aFileIsNeverInsertedIntoAStageThatClosedWhileItWasUploaded() throws Exception {
		long project = this.jdbc.sql("SELECT id FROM project WHERE name = 'racing'").query(Long.class).single();
		var stage = this.stages.openStage(project);
		this.stages.publish(stage);
		// The row an upload verified while the stage was open, arriving after the
		// publish.
		Optional<Long> inserted = this.uploadRows.insert(new UploadRepository.StoredUpload(project, "2.0",
				"racing-2.0.tar.gz", "a".repeat(64), 10, null, null, "sdist", stage.id(),
				new Uploader(project, ProjectName.of("racing"), "token", "b".repeat(64), null)));
		assertThat(inserted).isEmpty();
		assertThat(this.rows.files("racing-2.0.tar.gz")).isZero();
	}

	/** Whether retention removed the file (its row stays as a tombstone). */
	private boolean removed(Path file) {
		return this.jdbc.sql("SELECT removed_at IS NOT NULL FROM wheel WHERE filename = :f")
			.param("f", file.getFileName().toString())
			.query(Boolean.class)
			.single();
	}

	private long succeededBuild(long project, String version) {
		long id = this.jdbc
			.sql("""
					INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint, origin)
					VALUES (:p, :v, 'x.tar.gz', 'https://files.example/x.tar.gz', repeat('a', 64), repeat('b', 64), 'watcher')
					RETURNING id
					""")
			.param("p", project)
			.param("v", version)
			.query(Long.class)
			.single();
		this.jdbc.sql("UPDATE build SET state = 'DISPATCHED', builder = 'local', external_run_id = 'r' WHERE id = :id")
			.param("id", id)
			.update();
		this.jdbc.sql("UPDATE build SET state = 'SUCCEEDED' WHERE id = :id").param("id", id).update();
		return id;
	}

	private static String token(String indexUrl) {
		String[] parts = URI.create(indexUrl).getPath().split("/");
		return parts[2];
	}

}
