package dev.wheelfarm.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.optin.BareRepository;
import dev.wheelfarm.pypi.standin.PypiStandIn;
import dev.wheelfarm.testsupport.Venv;
import dev.wheelfarm.testsupport.Waiting;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.test.context.DynamicPropertyRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The world around a farm under test, and the farm seen only from outside: a PyPI
 * stand-in serving real sdists, maintainers' bare git repositories, the farm's HTTP API
 * and index, and a pip in a fresh venv. A test class starts one (static), hands
 * {@link #properties} to Spring, and tells it the port once the farm runs.
 */
final class Farm implements AutoCloseable {

	static final String SIMPLE_JSON = "application/vnd.pypi.simple.v1+json";

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");

	/** Builds end in one of these (SUCCEEDED only until the ingest has run). */
	static final List<String> ENDED = List.of("published", "failed", "cancelled", "skipped");

	final PypiStandIn pypi = PypiStandIn.start();

	final Path scratch;

	final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();

	private int port;

	private Venv venv;

	private Farm(Path scratch) {
		this.scratch = scratch;
	}

	static Farm start() {
		try {
			return new Farm(Files.createTempDirectory("wheelfarm-e2e"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The farm reads PyPI from the stand-in and accepts file:// repositories. */
	void properties(DynamicPropertyRegistry registry) {
		registry.add("wheelfarm.pypi.base-url", () -> this.pypi.baseUrl().toString());
		registry.add("wheelfarm.optin.allow-file-urls", () -> "true");
	}

	Farm at(int port) {
		this.port = port;
		return this;
	}

	String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	@Override
	public void close() {
		this.pypi.close();
	}

	// ---- PyPI

	/** A release on PyPI with only an sdist: a real project, packed and uploaded. */
	PypiStandIn.Release sdistRelease(String project, String version, Map<String, String> files) {
		try {
			byte[] sdist = Sdists.sdist(this.scratch, project, version, files);
			return this.pypi.project(project).release(version).upload(project + "-" + version + ".tar.gz", sdist);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** A project on PyPI whose releases are pure sdist-only ones, real and buildable. */
	void pureReleases(String project, String... versions) {
		for (String version : versions) {
			sdistRelease(project, version, Sdists.pure(project, version));
		}
	}

	// ---- maintainers

	/**
	 * A maintainer opts {@code project} in: a repository with this config, named on PyPI,
	 * registered over HTTP.
	 */
	BareRepository optIn(String project, String wheelfarmToml) {
		BareRepository git = repository(project, wheelfarmToml);
		register(git, project);
		return git;
	}

	/**
	 * A maintainer's repository with this {@code wheelfarm.toml} on its default branch,
	 * named in the project's links on PyPI (the ownership check's other half).
	 */
	BareRepository repository(String project, String wheelfarmToml) {
		BareRepository git = BareRepository.create(this.scratch.resolve("git"), project);
		git.put("wheelfarm.toml", wheelfarmToml).commit("opt in to wheelfarm");
		this.pypi.project(project).projectUrl("Source", git.url());
		return git;
	}

	/**
	 * Registers the repository the way a maintainer does ({@code POST /api/opt-ins}) and
	 * waits until the farm says the project is opted in.
	 */
	JsonNode register(BareRepository git, String project) {
		HttpResponse<String> registered = send(HttpRequest.newBuilder(URI.create(url("/api/opt-ins")))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(this.json.writeValueAsString(Map.of("repository", git.url())))));
		assertThat(registered.statusCode()).as(registered.body()).isEqualTo(202);
		return await("opt-in of " + project, () -> getJson("/api/opt-ins/" + project),
				(status) -> "opted-in".equals(status.path("state").path("code").asString(null)),
				Duration.ofSeconds(30));
	}

	// ---- the farm's HTTP surfaces

	JsonNode getJson(String path) {
		HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url(path))).GET());
		return (response.statusCode() == 200) ? this.json.readTree(response.body()) : this.json.nullNode();
	}

	/** The build the farm lists for a release on its project page, if any. */
	long buildOf(String project, String version) {
		JsonNode page = await("a build of " + project + " " + version, () -> getJson("/api/projects/" + project),
				(p) -> buildId(p, version) > 0, Duration.ofSeconds(30));
		return buildId(page, version);
	}

	private static long buildId(JsonNode page, String version) {
		for (JsonNode release : page.path("releases")) {
			if (version.equals(release.path("version").asString(null)) && release.path("build_id").canConvertToLong()) {
				return release.path("build_id").asLong();
			}
		}
		return -1;
	}

	/** Waits until the build has ended and returns {@code /api/builds/{id}}. */
	JsonNode awaitEnded(long build) {
		return await("build " + build + " to end", () -> getJson("/api/builds/" + build),
				(b) -> ENDED.contains(b.path("state").path("code").asString("")), Duration.ofMinutes(3));
	}

	/** The PEP 691 project page. */
	JsonNode simpleJson(String project) {
		HttpResponse<String> response = send(
				HttpRequest.newBuilder(URI.create(url("/simple/" + project + "/"))).header("Accept", SIMPLE_JSON));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return this.json.readTree(response.body());
	}

	/** The PEP 503 project page. */
	String simpleHtml(String project) {
		HttpResponse<String> response = send(
				HttpRequest.newBuilder(URI.create(url("/simple/" + project + "/"))).header("Accept", "text/html"));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return response.body();
	}

	/** The filenames a PEP 691 page lists. */
	static List<String> filenames(JsonNode page) {
		return page.path("files").valueStream().map((file) -> file.path("filename").asString()).toList();
	}

	static JsonNode file(JsonNode page, String filename) {
		return page.path("files")
			.valueStream()
			.filter((file) -> filename.equals(file.path("filename").asString()))
			.findFirst()
			.orElseThrow(() -> new AssertionError(filename + " is not listed: " + filenames(page)));
	}

	/**
	 * Submits the request form as a browser would: the page first (for its CSRF token and
	 * session), then the POST; returns where the farm redirected.
	 */
	HttpResponse<String> requestForm(String project, String version) {
		HttpResponse<String> form = send(HttpRequest.newBuilder(URI.create(url("/request"))).GET());
		Matcher token = CSRF.matcher(form.body());
		assertThat(token.find()).as("the form carries a CSRF token").isTrue();
		String body = "project=" + encode(project) + "&version=" + encode(version) + "&_csrf=" + encode(token.group(1));
		return send(HttpRequest.newBuilder(URI.create(url("/request")))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(body)));
	}

	String scrape() {
		HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url("/actuator/prometheus"))).GET());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

	/**
	 * One sample of a Prometheus scrape, e.g. {@code wheelfarm_builds{state="PUBLISHED"}}
	 * (labels in the exposition's order: sorted by name); 0 when the series is absent (a
	 * counter not yet incremented).
	 */
	static double sample(String scrape, String series) {
		return scrape.lines()
			.filter((line) -> line.startsWith(series + " "))
			.map((line) -> Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]))
			.findFirst()
			.orElse(0.0);
	}

	// ---- pip

	/** pip in a fresh venv (made once per farm), against the farm's index only. */
	Venv.Result pip(String... arguments) {
		return venv().pip(url("/simple/"), arguments);
	}

	Venv.Result python(String code) {
		return venv().python(code);
	}

	private synchronized Venv venv() {
		if (this.venv == null) {
			this.venv = Venv.create(this.scratch, "venv");
		}
		return this.venv;
	}

	// ---- plumbing

	HttpResponse<String> send(HttpRequest.Builder request) {
		try {
			return this.http.send(request.timeout(Duration.ofSeconds(30)).build(),
					HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	static <T> T await(String what, java.util.function.Supplier<T> probe, Predicate<T> done, Duration limit) {
		return Waiting.until(what, limit, probe, done);
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

}
