package dev.wheelfarm.index;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.builds.BuildSucceeded;
import dev.wheelfarm.builds.WheelIngest;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.stages.Stage;
import dev.wheelfarm.stages.Stages;
import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The index over HTTP on a real database: ingest, listing rules, negotiation, caching
 * headers, files, refusals and the static export. Each test uses projects of its own.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=0s" })
class IndexIntegrationTest {

	static final String PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

	static final String UV_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

	static final String SDIST_SHA = "c".repeat(64);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

	@TempDir
	Path scratch;

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	WheelIngest ingest;

	@Autowired
	BlobStore blobs;

	@Autowired
	StaticExporter exporter;

	@Autowired
	Stages stages;

	/** An opted-in project with PyPI's sdist of 1.0 and our published wheel of 1.0. */
	private Published publish(String name) throws Exception {
		IndexFixtures rows = new IndexFixtures(this.jdbc);
		long project = rows.optedIn(name);
		long release = rows.release(project, "1.0");
		rows.pypiFile(release, name + "-1.0.tar.gz", "sdist", "https://files.example/packages/" + name + "-1.0.tar.gz",
				SDIST_SHA, 777);
		TestWheels wheel = TestWheels.of(name, "1.0");
		Path path = wheel.write(Files.createDirectories(this.scratch.resolve(name)), wheel.filename());
		long build = rows.succeededBuild(project, "1.0");
		WheelIngest.Outcome outcome = this.ingest.ingest(IndexFixtures.event(build, name, "1.0", path));
		assertThat(outcome.rejections()).isEmpty();
		assertThat(rows.buildState(build)).isEqualTo("PUBLISHED");
		return new Published(project, release, build, path, Sha256.digest(Files.readAllBytes(path)));
	}

	private record Published(long project, long release, long build, Path wheel, Sha256 sha256) {

	}

	@Test
	void aProjectPageListsOurWheelAndPypisFilesInJson() throws Exception {
		Published published = publish("alpha");
		HttpResponse<String> response = get("/simple/alpha/", PIP_ACCEPT);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/vnd.pypi.simple.v1+json");
		assertThat(response.headers().firstValue("Vary")).hasValue("Accept, Accept-Encoding");
		JsonNode page = JSON.readTree(response.body());
		assertThat(page.at("/meta/api-version").asString()).isEqualTo("1.3");
		assertThat(page.at("/name").asString()).isEqualTo("alpha");
		assertThat(page.at("/versions/0").asString()).isEqualTo("1.0");
		assertThat(page.at("/files").size()).isEqualTo(2);
		JsonNode sdist = file(page, "alpha-1.0.tar.gz");
		assertThat(sdist.at("/filename").asString()).isEqualTo("alpha-1.0.tar.gz");
		assertThat(sdist.at("/url").asString()).isEqualTo("https://files.example/packages/alpha-1.0.tar.gz");
		assertThat(sdist.at("/hashes/sha256").asString()).isEqualTo(SDIST_SHA);
		assertThat(sdist.at("/size").asLong()).isEqualTo(777);
		assertThat(sdist.at("/upload-time").asString()).isEqualTo("2024-01-02T03:04:05.678901Z");
		JsonNode ours = file(page, "alpha-1.0-py3-none-any.whl");
		assertThat(ours.at("/filename").asString()).isEqualTo("alpha-1.0-py3-none-any.whl");
		assertThat(ours.at("/hashes/sha256").asString()).isEqualTo(published.sha256().hex());
		assertThat(ours.at("/requires-python").asString()).isEqualTo(">=3.8");
		assertThat(ours.at("/yanked").asBoolean()).isFalse();
		assertThat(ours.at("/size").asLong()).isEqualTo(Files.size(published.wheel()));
		assertThat(ours.at("/upload-time").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");

		// The file and its PEP 658 metadata, found by resolving the relative URL.
		URI wheelUrl = URI.create(url("/simple/alpha/")).resolve(ours.at("/url").asString());
		HttpResponse<byte[]> wheel = this.http.send(HttpRequest.newBuilder(wheelUrl).build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(wheel.statusCode()).isEqualTo(200);
		assertThat(wheel.body()).isEqualTo(Files.readAllBytes(published.wheel()));
		assertThat(wheel.headers().firstValue("Content-Type")).hasValue("application/zip");
		assertThat(wheel.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
		HttpResponse<byte[]> metadata = this.http.send(
				HttpRequest.newBuilder(URI.create(wheelUrl + ".metadata")).build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(metadata.statusCode()).isEqualTo(200);
		assertThat(Sha256.digest(metadata.body()).hex()).isEqualTo(ours.at("/core-metadata/sha256").asString());
		assertThat(new String(metadata.body(), StandardCharsets.UTF_8)).contains("Name: alpha\nVersion: 1.0\n");
		// Charset names are case-insensitive (RFC 9110 §8.3.2): servers spell UTF-8
		// either way.
		MediaType metadataType = MediaType.parseMediaType(metadata.headers().firstValue("Content-Type").orElseThrow());
		assertThat(metadataType.isCompatibleWith(MediaType.TEXT_PLAIN)).isTrue();
		assertThat(metadataType.getCharset()).isEqualTo(StandardCharsets.UTF_8);
	}

	@Test
	void theHtmlFormCarriesTheSameFiles() throws Exception {
		Published published = publish("beta");
		HttpResponse<String> response = get("/simple/beta/", "text/html");
		assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
		assertThat(response.body()).contains("<meta name=\"pypi:repository-version\" content=\"1.3\">")
			.contains("href=\"https://files.example/packages/beta-1.0.tar.gz#sha256=" + SDIST_SHA + "\"")
			.contains("#sha256=" + published.sha256().hex() + "\" data-requires-python=\"&gt;=3.8\"")
			.contains("data-core-metadata=\"sha256=");
		HttpResponse<String> v1 = get("/simple/beta/", "application/vnd.pypi.simple.v1+html");
		assertThat(v1.headers().firstValue("Content-Type")).hasValue("application/vnd.pypi.simple.v1+html");
		assertThat(v1.body()).isEqualTo(response.body());
	}

	@Test
	void negotiationMatrixOverHttp() throws Exception {
		publish("gamma");
		assertThat(get("/simple/gamma/", UV_ACCEPT).headers().firstValue("Content-Type"))
			.hasValue("application/vnd.pypi.simple.v1+json");
		assertThat(get("/simple/gamma/", "*/*").headers().firstValue("Content-Type"))
			.hasValue("application/vnd.pypi.simple.v1+json");
		assertThat(get("/simple/gamma/", null).headers().firstValue("Content-Type"))
			.hasValue("application/vnd.pypi.simple.v1+json");
		assertThat(get("/simple/gamma/?format=text/html", PIP_ACCEPT).headers().firstValue("Content-Type"))
			.hasValue("text/html;charset=utf-8");
		HttpResponse<String> nonsense = get("/simple/gamma/", "nonsense");
		assertThat(nonsense.statusCode()).isEqualTo(406);
		assertThat(nonsense.headers().firstValue("Vary")).hasValue("Accept");
		assertThat(get("/simple/", "application/json").statusCode()).isEqualTo(406);
		HttpResponse<String> root = get("/simple/", PIP_ACCEPT);
		assertThat(root.statusCode()).isEqualTo(200);
		assertThat(JSON.readTree(root.body()).at("/projects").toString()).contains("{\"name\":\"gamma\"}");
		assertThat(get("/simple/", "text/html").body()).contains("<a href=\"gamma/\">gamma</a>");
	}

	@Test
	void clientsThatAcceptGzipGetTheSamePageCompressed() throws Exception {
		publish("omicron");
		HttpResponse<String> plain = get("/simple/omicron/", PIP_ACCEPT);
		HttpResponse<byte[]> gzipped = this.http.send(
				request("/simple/omicron/", PIP_ACCEPT).header("Accept-Encoding", "gzip, deflate").build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(gzipped.statusCode()).isEqualTo(200);
		assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
		assertThat(gzipped.headers().firstValue("Vary")).hasValue("Accept, Accept-Encoding");
		try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(
				new java.io.ByteArrayInputStream(gzipped.body()))) {
			assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(plain.body());
		}
		String etag = gzipped.headers().firstValue("ETag").orElseThrow();
		assertThat(etag).isNotEqualTo(plain.headers().firstValue("ETag").orElseThrow());
		HttpResponse<String> revalidated = send(
				request("/simple/omicron/", PIP_ACCEPT).header("Accept-Encoding", "gzip")
					.header("If-None-Match", etag)
					.build());
		assertThat(revalidated.statusCode()).isEqualTo(304);
	}

	@Test
	void indexRequestsAreCountedForTheOperator() throws Exception {
		assertThat(get("/simple/", PIP_ACCEPT).statusCode()).isEqualTo(200);
		assertThat(get("/simple/", "image/png").statusCode()).isEqualTo(406);
		String metrics = get("/actuator/prometheus", null).body();
		assertThat(metrics)
			.containsPattern(
					"wheelfarm_index_requests_total\\{[^}]*representation=\"json\"[^}]*status=\"200\"[^}]*\\} [1-9]")
			.containsPattern("wheelfarm_index_requests_total\\{[^}]*status=\"406\"[^}]*\\} [1-9]");
	}

	@Test
	void etagsAnswer304PerRepresentation() throws Exception {
		publish("delta");
		HttpResponse<String> json = get("/simple/delta/", PIP_ACCEPT);
		String etag = json.headers().firstValue("ETag").orElseThrow();
		assertThat(json.headers().firstValue("Cache-Control")).hasValue("public, max-age=60");
		HttpResponse<String> again = send(request("/simple/delta/", PIP_ACCEPT).header("If-None-Match", etag).build());
		assertThat(again.statusCode()).isEqualTo(304);
		assertThat(again.headers().firstValue("ETag")).hasValue(etag);
		assertThat(again.headers().firstValue("Vary")).hasValue("Accept, Accept-Encoding");
		assertThat(again.body()).isEmpty();
		HttpResponse<String> html = send(request("/simple/delta/", "text/html").header("If-None-Match", etag).build());
		assertThat(html.statusCode()).isEqualTo(200);
		assertThat(html.headers().firstValue("ETag")).isNotEqualTo(etag);
	}

	@Test
	void otherSpellingsAreRedirectedToTheNormalizedNameWithASlash() throws Exception {
		publish("my-pkg");
		assertRedirect("/simple/My_Pkg/", "/simple/my-pkg/");
		assertRedirect("/simple/my.pkg", "/simple/my-pkg/");
		assertRedirect("/simple/my-pkg", "/simple/my-pkg/");
		assertRedirect("/simple/MY--PKG/?format=text/html", "/simple/my-pkg/?format=text/html");
		assertRedirect("/simple", "/simple/");
	}

	@Test
	void projectsTheFarmDoesNotHostAre404() throws Exception {
		new IndexFixtures(this.jdbc).project("pending-project", "PENDING");
		assertThat(get("/simple/pending-project/", PIP_ACCEPT).statusCode()).isEqualTo(404);
		assertThat(get("/simple/requests/", PIP_ACCEPT).statusCode()).isEqualTo(404);
		assertThat(get("/simple/-bad-/", PIP_ACCEPT).statusCode()).isEqualTo(404);
		assertThat(get("/simple/bad%2Fname/", PIP_ACCEPT).statusCode()).isIn(400, 404);
		assertThat(get("/simple/..%2F..%2Fetc/", PIP_ACCEPT).statusCode()).isIn(400, 404);
	}

	@Test
	void filesAreFoundByHashAndNameOnly() throws Exception {
		Published published = publish("epsilon");
		String sha = published.sha256().hex();
		String good = "/files/" + sha.substring(0, 2) + "/" + sha + "/epsilon-1.0-py3-none-any.whl";
		assertThat(get(good, null).statusCode()).isEqualTo(200);
		assertThat(get("/files/" + sha.substring(0, 2) + "/" + sha + "/other-1.0-py3-none-any.whl", null).statusCode())
			.isEqualTo(404);
		assertThat(get("/files/zz/" + sha + "/epsilon-1.0-py3-none-any.whl", null).statusCode()).isEqualTo(404);
		assertThat(get("/files/ab/not-a-hash/epsilon-1.0-py3-none-any.whl", null).statusCode()).isEqualTo(404);
		assertThat(get("/files/" + sha.substring(0, 2) + "/" + sha + "/..%2F..%2F..%2Fetc%2Fpasswd", null).statusCode())
			.isIn(400, 404);
		assertThat(get("/files/../../etc/passwd", null).statusCode()).isIn(400, 404);
	}

	@Test
	void ingestIsIdempotentAcrossRedeliveryAndACrashBeforeTheInsert() throws Exception {
		IndexFixtures rows = new IndexFixtures(this.jdbc);
		long project = rows.optedIn("zeta");
		TestWheels wheel = TestWheels.of("zeta", "1.0");
		Path path = wheel.write(this.scratch, wheel.filename());
		// A crash after storing the bytes, before listing them: the blob is already
		// there.
		this.blobs.store(path, Sha256.digest(Files.readAllBytes(path)));
		long build = rows.succeededBuild(project, "1.0");
		BuildSucceeded event = IndexFixtures.event(build, "zeta", "1.0", path);
		assertThat(this.ingest.ingest(event).published()).containsExactly(wheel.filename());
		WheelIngest.Outcome redelivered = this.ingest.ingest(event);
		assertThat(redelivered.published()).isEmpty();
		assertThat(redelivered.rejections()).isEmpty();
		assertThat(this.jdbc.sql("SELECT count(*) FROM wheel WHERE filename = :f")
			.param("f", wheel.filename())
			.query(Long.class)
			.single()).isEqualTo(1);
		assertThat(rows.buildState(build)).isEqualTo("PUBLISHED");
	}

	@Test
	void aWheelWhoseNameIsOnPypiIsNeverStored() throws Exception {
		IndexFixtures rows = new IndexFixtures(this.jdbc);
		long project = rows.optedIn("eta");
		long release = rows.release(project, "1.0");
		TestWheels wheel = TestWheels.of("eta", "1.0");
		Path path = wheel.write(this.scratch, wheel.filename());
		rows.pypiFile(release, wheel.filename(), "wheel", "https://files.example/" + wheel.filename(), "d".repeat(64),
				10);
		long build = rows.succeededBuild(project, "1.0");
		WheelIngest.Outcome outcome = this.ingest.ingest(IndexFixtures.event(build, "eta", "1.0", path));
		assertThat(outcome.rejections()).singleElement()
			.satisfies((rejection) -> assertThat(rejection.reason()).contains("PyPI already has a file of that name"));
		assertThat(rows.buildState(build)).isEqualTo("SUCCEEDED");
		assertThat(this.blobs.contains(Sha256.digest(Files.readAllBytes(path)))).isFalse();
		assertThat(this.jdbc.sql("SELECT reason FROM wheel_rejection WHERE build_id = :b")
			.param("b", build)
			.query(String.class)
			.single()).contains("PyPI already has a file of that name");
	}

	@Test
	void aDifferentFileUnderATakenNameIsRefused() throws Exception {
		Published published = publish("theta");
		TestWheels impostor = TestWheels.of("theta", "1.0").member("theta/extra.py", "evil = True\n".getBytes());
		Path path = impostor.write(Files.createDirectories(this.scratch.resolve("impostor")), impostor.filename());
		long build = new IndexFixtures(this.jdbc).succeededBuild(published.project(), "1.0");
		WheelIngest.Outcome outcome = this.ingest.ingest(IndexFixtures.event(build, "theta", "1.0", path));
		assertThat(outcome.rejections()).singleElement()
			.satisfies((rejection) -> assertThat(rejection.reason()).contains("already taken by different bytes"));
		assertThat(this.jdbc.sql("SELECT sha256 FROM wheel WHERE filename = 'theta-1.0-py3-none-any.whl'")
			.query(String.class)
			.single()).isEqualTo(published.sha256().hex());
	}

	@Test
	void aMaliciousWheelIsRefusedWithItsReason() throws Exception {
		IndexFixtures rows = new IndexFixtures(this.jdbc);
		long project = rows.optedIn("iota");
		TestWheels evil = TestWheels.of("iota", "1.0").member("../../../etc/profile.d/evil.sh", "x".getBytes());
		Path path = evil.write(this.scratch, evil.filename());
		long build = rows.succeededBuild(project, "1.0");
		WheelIngest.Outcome outcome = this.ingest.ingest(IndexFixtures.event(build, "iota", "1.0", path));
		assertThat(outcome.rejections()).singleElement()
			.satisfies((rejection) -> assertThat(rejection.reason()).contains("climbs out of the install directory"));
		assertThat(get("/simple/iota/", PIP_ACCEPT).body()).doesNotContain(".whl");
	}

	@Test
	void ourWheelIsWithdrawnWhenPypiGainsAWheelWithTheSameTags() throws Exception {
		Published published = publish("kappa");
		// PyPI's universal wheel covers our py3-none-any.
		new IndexFixtures(this.jdbc).pypiFile(published.release(), "kappa-1.0-py2.py3-none-any.whl", "wheel",
				"https://files.example/kappa-1.0-py2.py3-none-any.whl", "e".repeat(64), 99);
		String body = get("/simple/kappa/", PIP_ACCEPT).body();
		assertThat(body).contains("kappa-1.0-py2.py3-none-any.whl").doesNotContain("kappa-1.0-py3-none-any.whl");
	}

	@Test
	void aPlatformWheelOnPypiDoesNotWithdrawOurPureWheel() throws Exception {
		Published published = publish("lambda");
		new IndexFixtures(this.jdbc).pypiFile(published.release(), "lambda-1.0-cp311-cp311-win_amd64.whl", "wheel",
				"https://files.example/lambda-1.0-cp311-cp311-win_amd64.whl", "e".repeat(64), 99);
		assertThat(get("/simple/lambda/", PIP_ACCEPT).body()).contains("lambda-1.0-py3-none-any.whl");
	}

	@Test
	void yanksAndDeletionsOnPypiAreMirrored() throws Exception {
		Published published = publish("mu");
		this.jdbc.sql("UPDATE release SET yanked = true, yanked_reason = 'broken' WHERE id = :id")
			.param("id", published.release())
			.update();
		JsonNode yanked = JSON.readTree(get("/simple/mu/", PIP_ACCEPT).body());
		assertThat(yanked.at("/files/0/yanked").asString()).isEqualTo("broken");
		assertThat(yanked.at("/files/1/yanked").asString()).isEqualTo("broken");
		this.jdbc.sql("UPDATE pypi_file SET deleted_at = now() WHERE release_id = :id")
			.param("id", published.release())
			.update();
		assertThat(JSON.readTree(get("/simple/mu/", PIP_ACCEPT).body()).at("/files").size()).isEqualTo(1);
		this.jdbc.sql("UPDATE release SET deleted_at = now() WHERE id = :id").param("id", published.release()).update();
		JsonNode deleted = JSON.readTree(get("/simple/mu/", PIP_ACCEPT).body());
		assertThat(deleted.at("/files").size()).isZero();
		assertThat(deleted.at("/versions").size()).isZero();
	}

	@Test
	void theStaticExportServesTheSameBytesAndIsIncremental() throws Exception {
		Published published = publish("nu");
		Path export = this.scratch.resolve("export");
		StaticExporter.Report first = this.exporter.export(export);
		assertThat(first.rewritten()).isPositive();
		assertThat(Files.readString(export.resolve("simple/nu/index.json")))
			.isEqualTo(get("/simple/nu/", PIP_ACCEPT).body());
		assertThat(Files.readString(export.resolve("simple/nu/index.html")))
			.isEqualTo(get("/simple/nu/", "text/html").body());
		assertThat(Files.readString(export.resolve("simple/index.html"))).contains("<a href=\"nu/\">nu</a>");
		// gzip twins for web servers that serve precompressed pages (nginx gzip_static,
		// CDNs)
		try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(
				Files.newInputStream(export.resolve("simple/nu/index.json.gz")))) {
			assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(export.resolve("simple/nu/index.json")));
		}
		assertThat(export.resolve("simple/index.html.gz")).isRegularFile();
		String sha = published.sha256().hex();
		Path wheel = export.resolve("files/" + sha.substring(0, 2) + "/" + sha + "/nu-1.0-py3-none-any.whl");
		assertThat(Files.readAllBytes(wheel)).isEqualTo(Files.readAllBytes(published.wheel()));
		assertThat(Files.exists(wheel.resolveSibling("nu-1.0-py3-none-any.whl.metadata"))).isTrue();
		// A web server running as another user must be able to read the export.
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(wheel))).isEqualTo("rw-r--r--");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(export.resolve("simple/nu/index.json"))))
			.isEqualTo("rw-r--r--");

		long before = Files.getLastModifiedTime(export.resolve("simple/nu/index.json")).toMillis();
		StaticExporter.Report second = this.exporter.export(export);
		assertThat(second.rewritten()).isZero();
		assertThat(second.filesCopied()).isZero();
		assertThat(Files.getLastModifiedTime(export.resolve("simple/nu/index.json")).toMillis()).isEqualTo(before);

		this.jdbc.sql("UPDATE release SET yanked = true WHERE id = :id").param("id", published.release()).update();
		StaticExporter.Report third = this.exporter.export(export);
		assertThat(third.rewritten()).isEqualTo(1);
		assertThat(Files.readString(export.resolve("simple/nu/index.json"))).contains("\"yanked\":true");

		this.jdbc.sql("DELETE FROM wheel WHERE project_id = :p").param("p", published.project()).update();
		this.jdbc.sql("UPDATE project SET optin_state = 'DISABLED' WHERE id = :p")
			.param("p", published.project())
			.update();
		assertThat(this.exporter.export(export).removed()).isPositive();
		assertThat(export.resolve("simple/nu")).doesNotExist();
		try (var leftovers = Files.walk(export)) {
			assertThat(leftovers.map(Path::toString)).noneMatch((name) -> name.endsWith(".tmp"));
		}
	}

	@Test
	void theExportCarriesUploadedSdistsAndAStageOnlyOnceItIsPublished() throws Exception {
		Published published = publish("xi");
		byte[] sdist = "an uploaded sdist's bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
		Sha256 sdistSha = Sha256.digest(sdist);
		this.blobs.store(sdist, sdistSha);
		this.jdbc.sql("""
				INSERT INTO wheel (project_id, version, filename, sha256, size, origin, kind, uploaded_by)
				VALUES (:p, '1.1.dev1', 'xi-1.1.dev1.tar.gz', :sha, :size, 'upload', 'sdist', 'token')
				""").param("p", published.project()).param("sha", sdistSha.hex()).param("size", sdist.length).update();
		Stage stage = this.stages.openStage(published.project());
		TestWheels staged = TestWheels.of("xi", "1.2");
		byte[] stagedBytes = staged.bytes();
		Sha256 stagedSha = Sha256.digest(stagedBytes);
		this.blobs.store(stagedBytes, stagedSha);
		this.jdbc.sql("""
				INSERT INTO wheel (project_id, version, filename, sha256, size, metadata_sha256, origin, kind, stage_id,
				                   uploaded_by)
				VALUES (:p, '1.2', :f, :sha, :size, :sha, 'upload', 'wheel', :stage, 'token')
				""")
			.param("p", published.project())
			.param("f", staged.filename())
			.param("sha", stagedSha.hex())
			.param("size", stagedBytes.length)
			.param("stage", stage.id())
			.update();
		Path export = this.scratch.resolve("staged-export");
		this.exporter.export(export);
		String page = Files.readString(export.resolve("simple/xi/index.json"));
		assertThat(page).contains("xi-1.1.dev1.tar.gz").doesNotContain(staged.filename());
		Path exportedSdist = export.resolve(IndexUrls.filePath(sdistSha.hex(), "xi-1.1.dev1.tar.gz"));
		assertThat(Files.readAllBytes(exportedSdist)).isEqualTo(sdist);
		assertThat(exportedSdist.resolveSibling("xi-1.1.dev1.tar.gz.metadata")).doesNotExist();
		assertThat(export.resolve(IndexUrls.filePath(stagedSha.hex(), staged.filename()))).doesNotExist();
		// The stage's view is served by the application, never exported.
		assertThat(export.resolve("stage")).doesNotExist();

		this.stages.publish(stage);
		assertThat(this.exporter.export(export).rewritten()).isEqualTo(1);
		assertThat(Files.readString(export.resolve("simple/xi/index.json"))).contains(staged.filename());
		assertThat(Files.readAllBytes(export.resolve(IndexUrls.filePath(stagedSha.hex(), staged.filename()))))
			.isEqualTo(stagedBytes);
	}

	private static JsonNode file(JsonNode page, String filename) {
		for (JsonNode file : page.at("/files")) {
			if (file.at("/filename").asString().equals(filename)) {
				return file;
			}
		}
		throw new AssertionError(filename + " is not listed in " + page);
	}

	private void assertRedirect(String path, String location) throws Exception {
		HttpResponse<String> response = get(path, PIP_ACCEPT);
		assertThat(response.statusCode()).as(path).isEqualTo(301);
		assertThat(response.headers().firstValue("Location").orElseThrow()).endsWith(location);
	}

	private HttpResponse<String> get(String path, String accept) throws Exception {
		return send(request(path, accept).build());
	}

	private HttpRequest.Builder request(String path, String accept) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url(path)));
		if (accept != null) {
			builder.header("Accept", accept);
		}
		return builder;
	}

	private HttpResponse<String> send(HttpRequest request) throws Exception {
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

}
