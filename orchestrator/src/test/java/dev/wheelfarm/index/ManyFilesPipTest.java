package dev.wheelfarm.index;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.builds.WheelIngest;
import dev.wheelfarm.dispatch.local.SdistServer;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.stages.Stages;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Nginx;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ContentDisposition;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several farm files in one pip command, as users run it: current pip (which resolves
 * from the {@code .metadata} files and then downloads every file into one directory,
 * naming each after its {@code Content-Disposition} when there is one) in a fresh venv,
 * against the live index, a stage's index, and real nginx serving the static export with
 * the configuration docs/operators.md gives. Also: every answer of the index and its
 * files carries the security headers of the site's pages.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=0s" })
class ManyFilesPipTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

	/** What the site's pages send (Spring Security's headers) and the index must too. */
	private static final List<String> SECURITY_HEADERS = List.of("X-Content-Type-Options", "X-Frame-Options",
			"X-XSS-Protection", "Content-Security-Policy");

	/** The upload that gives each index an sdist to serve. */
	private static final String SDIST = "elder-1.0.tar.gz";

	@TempDir
	static Path scratch;

	static Venv venv;

	static Nginx nginx;

	static String stageToken;

	private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	WheelIngest ingest;

	@Autowired
	BlobStore blobs;

	@Autowired
	Stages stages;

	@Autowired
	StaticExporter exporter;

	/** Where pip is pointed, and which three farm projects it installs from there. */
	enum Served {

		/** The farm's own index. */
		INDEX("apricot", "blueberry", "cherry"),
		/**
		 * A stage's index: public wheels and the staged one, at the stage's secret URL.
		 */
		STAGE("apricot", "blueberry", "damson"),
		/** nginx over the static export, configured as docs/operators.md says. */
		NGINX("apricot", "blueberry", "cherry");

		final List<String> projects;

		Served(String... projects) {
			this.projects = List.of(projects);
		}

	}

	@BeforeAll
	static void freshVenvWithCurrentPip() {
		venv = Venv.create(scratch, "venv").withCurrentPip();
	}

	@AfterAll
	static void stopNginx() {
		if (nginx != null) {
			nginx.close();
		}
	}

	/**
	 * Farm builds of apricot, blueberry and cherry 1.0, published; one of damson 1.0, a
	 * project that publishes on review, so it waits in a stage; an uploaded sdist of
	 * elder 1.0; the static export of it all, served by nginx.
	 */
	@BeforeEach
	void seedOnce() throws Exception {
		if (nginx != null) {
			return;
		}
		IndexFixtures rows = new IndexFixtures(this.jdbc);
		for (String name : List.of("apricot", "blueberry", "cherry")) {
			build(rows, rows.optedIn(name), name);
		}
		long damson = rows.optedIn("damson");
		this.jdbc.sql("""
				UPDATE repository SET config = CAST('{"publish": "review"}' AS jsonb)
				WHERE id = (SELECT repository_id FROM project WHERE id = :p)
				""").param("p", damson).update();
		build(rows, damson, "damson");
		stageToken = this.stages.current(damson).orElseThrow().token();
		long elder = rows.optedIn("elder");
		byte[] sdist = "an uploaded sdist's bytes".getBytes(StandardCharsets.UTF_8);
		Sha256 sdistSha = Sha256.digest(sdist);
		this.blobs.store(sdist, sdistSha);
		this.jdbc.sql("""
				INSERT INTO wheel (project_id, version, filename, sha256, size, origin, kind, uploaded_by)
				VALUES (:p, '1.0', :f, :sha, :size, 'upload', 'sdist', 'token')
				""")
			.param("p", elder)
			.param("f", SDIST)
			.param("sha", sdistSha.hex())
			.param("size", sdist.length)
			.update();
		Path export = scratch.resolve("export");
		this.exporter.export(export);
		String server = nginxServerFromDocs().replace("root /srv/wheelfarm-export;", "root " + export + ";");
		nginx = Nginx.start(scratch.resolve("nginx"),
				(port) -> server.replaceFirst("server \\{", "server {\n    listen 127.0.0.1:" + port + ";"));
	}

	private void build(IndexFixtures rows, long project, String name) throws IOException {
		TestWheels wheel = TestWheels.of(name, "1.0");
		Path path = wheel.write(Files.createDirectories(scratch.resolve("built/" + name)), wheel.filename());
		long build = rows.succeededBuild(project, "1.0");
		assertThat(this.ingest.ingest(IndexFixtures.event(build, name, "1.0", path)).rejections()).isEmpty();
	}

	@ParameterizedTest
	@EnumSource(Served.class)
	void pipInstallsThreeFarmWheelsInOneCommand(Served served) throws Exception {
		Path target = scratch.resolve("installed-" + served);
		List<String> arguments = new ArrayList<>(List.of("install", "--target", target.toString()));
		arguments.addAll(served.projects);
		Venv.Result install = venv.pip(index(served), arguments.toArray(String[]::new));
		assertThat(install.exitCode()).as(install.output()).isZero();
		for (String project : served.projects) {
			assertThat(target.resolve(project + "/__init__.py")).content().isEqualTo("VERSION = '1.0'\n");
			assertThat(install.output()).contains(project + "-1.0-py3-none-any.whl");
		}
	}

	@ParameterizedTest
	@EnumSource(Served.class)
	void pipInstallsWithTheHashesTheIndexLists(Served served) throws Exception {
		StringBuilder requirements = new StringBuilder();
		for (Map.Entry<String, String> file : listedWheels(served).entrySet()) {
			String project = file.getKey().substring(0, file.getKey().indexOf('-'));
			requirements.append(project).append("==1.0 --hash=sha256:").append(file.getValue()).append('\n');
		}
		Path file = Files.writeString(scratch.resolve("requirements-" + served + ".txt"), requirements);
		Path target = scratch.resolve("hashed-" + served);
		Venv.Result install = venv.pip(index(served), "install", "--target", target.toString(), "--require-hashes",
				"-r", file.toString());
		assertThat(install.exitCode()).as(install.output()).isZero();
		for (String project : served.projects) {
			assertThat(target.resolve(project + "/__init__.py")).exists();
		}
	}

	@ParameterizedTest
	@EnumSource(Served.class)
	void pipDownloadSavesEveryFileUnderItsOwnNameWithItsOwnBytes(Served served) throws Exception {
		Path directory = scratch.resolve("downloaded-" + served);
		List<String> arguments = new ArrayList<>(List.of("download", "--no-deps", "-d", directory.toString()));
		arguments.addAll(served.projects);
		Venv.Result download = venv.pip(index(served), arguments.toArray(String[]::new));
		assertThat(download.exitCode()).as(download.output()).isZero();
		Map<String, String> listed = listedWheels(served);
		try (Stream<Path> files = Files.list(directory)) {
			assertThat(files.map((path) -> path.getFileName().toString()))
				.containsExactlyInAnyOrderElementsOf(listed.keySet());
		}
		for (Map.Entry<String, String> file : listed.entrySet()) {
			assertThat(Sha256.digest(Files.readAllBytes(directory.resolve(file.getKey()))).hex()).as(file.getKey())
				.isEqualTo(file.getValue());
		}
	}

	/**
	 * Wheels, their {@code .metadata} and an sdist, each with its media type and no
	 * generic download name, and never sniffed.
	 */
	@ParameterizedTest
	@EnumSource(Served.class)
	void everyFileIsServedWithItsTypeAndItsOwnName(Served served) throws Exception {
		String base = (served == Served.NGINX) ? nginx.url("") : url((served == Served.STAGE) ? stagePath() : "");
		for (String project : served.projects) {
			JsonNode wheel = listed(served, project).get(0);
			URI url = URI.create(index(served) + project + "/").resolve(wheel.at("/url").asString());
			assertThat(url.toString()).startsWith(base + "/files/");
			String filename = wheel.at("/filename").asString();
			assertFile(url, filename, MediaType.parseMediaType("application/zip"));
			assertFile(URI.create(url + ".metadata"), filename + ".metadata", MediaType.TEXT_PLAIN);
		}
		JsonNode sdist = listed(served, "elder").get(0);
		assertThat(sdist.at("/filename").asString()).isEqualTo(SDIST);
		assertFile(URI.create(index(served) + "elder/").resolve(sdist.at("/url").asString()), SDIST,
				MediaType.parseMediaType("application/gzip"));
	}

	private void assertFile(URI url, String filename, MediaType type) throws Exception {
		HttpResponse<byte[]> response = this.http.send(HttpRequest.newBuilder(url).build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).as(url.toString()).isEqualTo(200);
		MediaType served = MediaType.parseMediaType(response.headers().firstValue("Content-Type").orElseThrow());
		assertThat(served.getType() + "/" + served.getSubtype()).as(url.toString())
			.isEqualTo(type.getType() + "/" + type.getSubtype());
		if (served.isCompatibleWith(MediaType.TEXT_PLAIN)) {
			assertThat(served.getCharset()).as(url.toString()).isEqualTo(StandardCharsets.UTF_8);
		}
		Optional<String> disposition = response.headers().firstValue("Content-Disposition");
		if (disposition.isPresent()) {
			assertThat(ContentDisposition.parse(disposition.get()).getFilename()).as(url.toString())
				.isEqualTo(filename);
		}
		assertThat(response.headers().firstValue("X-Content-Type-Options")).as(url.toString()).hasValue("nosniff");
	}

	/**
	 * The Simple API is answered ahead of Spring Security: every answer it gives (pages,
	 * redirects, refusals, a stage's view) must still carry what the pages carry.
	 */
	@Test
	void theIndexAndItsFilesCarryThePagesSecurityHeaders() throws Exception {
		HttpResponse<String> home = get("/", "text/html");
		assertThat(home.statusCode()).isEqualTo(200);
		assertThat(home.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
		String wheel = listed(Served.INDEX, "apricot").get(0).at("/url").asString();
		String file = URI.create("/simple/apricot/").resolve(wheel).toString();
		List<Asked> asked = List.of(new Asked("/simple/", PIP_ACCEPT, 200),
				new Asked("/simple/apricot/", PIP_ACCEPT, 200),
				new Asked("/simple/apricot/?format=text/html", PIP_ACCEPT, 200),
				new Asked("/simple/Apricot", PIP_ACCEPT, 301), new Asked("/simple/not-hosted/", PIP_ACCEPT, 404),
				new Asked("/simple/apricot/", "image/png", 406),
				new Asked(stagePath() + "/simple/damson/", PIP_ACCEPT, 200),
				new Asked("/stage/no-such-stage/simple/", PIP_ACCEPT, 404), new Asked(file, "*/*", 200),
				new Asked(file + ".metadata", "*/*", 200),
				new Asked("/files/00/" + "0".repeat(64) + "/nothing-1.0-py3-none-any.whl", "*/*", 404));
		for (Asked ask : asked) {
			HttpResponse<String> response = get(ask.path(), ask.accept());
			// The kinds of answer the filter and the files give, not by accident all
			// alike.
			assertThat(response.statusCode()).as(ask.path() + " " + ask.accept()).isEqualTo(ask.status());
			for (String header : SECURITY_HEADERS) {
				assertThat(response.headers().firstValue(header)).as(ask.path() + " " + ask.accept() + ": " + header)
					.isEqualTo(home.headers().firstValue(header));
			}
		}
	}

	private record Asked(String path, String accept, int status) {

	}

	/**
	 * What the pages tell users, checked with pip: the farm built fig 1.0, and its build
	 * of 2.0 failed, so PyPI's sdist is all there is of 2.0. pip alone takes 2.0's sdist
	 * (and would compile it); with {@code --prefer-binary} it takes the farm's wheel.
	 */
	@Test
	void preferBinaryTakesTheFarmsWheelOverANewerReleasesSdist() throws Exception {
		IndexFixtures rows = new IndexFixtures(this.jdbc);
		long fig = rows.optedIn("fig");
		build(rows, fig, "fig");
		try (SdistServer pypi = new SdistServer()) {
			for (String version : List.of("1.0", "2.0")) {
				String filename = "fig-" + version + ".tar.gz";
				byte[] sdist = Sdists.sdist(scratch, "fig", version, Sdists.pure("fig", version));
				rows.pypiFile(rows.release(fig, version), filename, "sdist",
						pypi.publish(filename, sdist, 0).toString(), Sha256.digest(sdist).hex(), sdist.length);
			}
			Path plain = scratch.resolve("fig-plain");
			Venv.Result newest = venv.pip(url("/simple/"), "download", "--no-deps", "--no-build-isolation", "-d",
					plain.toString(), "fig");
			assertThat(newest.exitCode()).as(newest.output()).isZero();
			assertThat(plain.resolve("fig-2.0.tar.gz")).exists();
			Path preferred = scratch.resolve("fig-prefer-binary");
			Venv.Result wheel = venv.pip(url("/simple/"), "download", "--no-deps", "--prefer-binary", "-d",
					preferred.toString(), "fig");
			assertThat(wheel.exitCode()).as(wheel.output()).isZero();
			try (Stream<Path> files = Files.list(preferred)) {
				assertThat(files.map((path) -> path.getFileName().toString()))
					.containsExactly("fig-1.0-py3-none-any.whl");
			}
		}
	}

	/** The wheels of the served projects by filename, with the sha256 the index lists. */
	private Map<String, String> listedWheels(Served served) throws Exception {
		Map<String, String> wheels = new LinkedHashMap<>();
		for (String project : served.projects) {
			for (JsonNode file : listed(served, project)) {
				wheels.put(file.at("/filename").asString(), file.at("/hashes/sha256").asString());
			}
		}
		assertThat(wheels).hasSize(3);
		return wheels;
	}

	/** The files a project's PEP 691 page lists, read where pip reads it. */
	private List<JsonNode> listed(Served served, String project) throws Exception {
		HttpResponse<String> page = this.http.send(
				HttpRequest.newBuilder(URI.create(index(served) + project + "/")).header("Accept", PIP_ACCEPT).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(page.statusCode()).as(page.uri() + ": " + page.body()).isEqualTo(200);
		List<JsonNode> files = new ArrayList<>();
		JSON.readTree(page.body()).at("/files").forEach(files::add);
		assertThat(files).as(page.body()).isNotEmpty();
		return files;
	}

	private String index(Served served) {
		return switch (served) {
			case INDEX -> url("/simple/");
			case STAGE -> url(stagePath() + "/simple/");
			case NGINX -> nginx.url("/simple/");
		};
	}

	private static String stagePath() {
		return "/stage/" + stageToken;
	}

	private HttpResponse<String> get(String path, String accept) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create(url(path))).header("Accept", accept).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	/**
	 * The {@code server} block of the one nginx configuration the docs give, and the
	 * {@code map} before it: the test serves the export exactly as operators are told to.
	 */
	static String nginxServerFromDocs() throws IOException {
		Path docs = Path.of(System.getProperty("user.dir")).getParent().resolve("docs");
		List<String> blocks = new ArrayList<>();
		try (Stream<Path> pages = Files.list(docs)) {
			for (Path page : pages.filter((path) -> path.toString().endsWith(".md")).toList()) {
				Matcher block = Pattern.compile("```nginx\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(page));
				while (block.find()) {
					blocks.add(block.group(1));
				}
			}
		}
		assertThat(blocks).as("nginx configurations in docs/").hasSize(1);
		assertThat(blocks.get(0)).contains("root /srv/wheelfarm-export;");
		return blocks.get(0);
	}

}
