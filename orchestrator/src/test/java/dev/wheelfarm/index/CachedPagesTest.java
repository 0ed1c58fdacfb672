package dev.wheelfarm.index;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ch.qos.logback.classic.LoggerContext;
import dev.wheelfarm.testsupport.IntegrationTest;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.StatisticsHandler;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the page cache on (the production setting), the first request for a page is
 * answered by the servlet filter, which renders and caches it, and the following ones by
 * the handler in front of the servlet container: clients must not be able to tell them
 * apart, whatever they accept.
 */
@IntegrationTest
// An operator's own exclusion list: it must add to the farm's, not replace it (the
// Logback
// metrics filter stays off).
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=1h",
		"spring.autoconfigure.exclude=org.springframework.boot.autoconfigure.admin.SpringApplicationAdminJmxAutoConfiguration" })
class CachedPagesTest {

	private static final List<String> ACCEPTS = List.of(IndexIntegrationTest.PIP_ACCEPT, "text/html",
			"application/vnd.pypi.simple.v1+html", "*/*");

	private static final List<String> ENCODINGS = List.of("gzip, deflate", "identity");

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	PageCache cache;

	@Autowired
	ServletWebServerApplicationContext context;

	@Test
	void aCachedPageIsAnsweredExactlyAsItsFirstRendering() throws Exception {
		hostedWithOneFile("cached-one", "2.0", "d".repeat(64), 321);
		for (String path : List.of("/simple/cached-one/", "/simple/")) {
			for (String accept : ACCEPTS) {
				for (String encoding : ENCODINGS) {
					this.cache.clear();
					HttpResponse<byte[]> rendered = get(path, accept, encoding);
					HttpResponse<byte[]> cached = get(path, accept, encoding);
					String request = path + " Accept: " + accept + ", Accept-Encoding: " + encoding;
					assertThat(rendered.statusCode()).as(request).isEqualTo(200);
					assertThat(cached.statusCode()).as(request).isEqualTo(200);
					assertThat(headers(cached.headers())).as(request).isEqualTo(headers(rendered.headers()));
					assertThat(cached.body()).as(request).isEqualTo(rendered.body());
				}
			}
		}
	}

	@Test
	void cachedPagesStillAnswerConditionsFormatsAndRefusals() throws Exception {
		hostedWithOneFile("cached-two", "1.0", "e".repeat(64), 123);
		HttpResponse<byte[]> first = get("/simple/cached-two/", IndexIntegrationTest.PIP_ACCEPT, "gzip");
		String etag = first.headers().firstValue("ETag").orElseThrow();

		HttpResponse<byte[]> revalidated = this.http
			.send(request("/simple/cached-two/", IndexIntegrationTest.PIP_ACCEPT, "gzip").header("If-None-Match", etag)
				.build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(revalidated.statusCode()).isEqualTo(304);
		assertThat(get("/simple/cached-two/?format=text/html", IndexIntegrationTest.PIP_ACCEPT, "identity").headers()
			.firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
		assertThat(get("/simple/cached-two/", "image/png", "identity").statusCode()).isEqualTo(406);
		assertThat(get("/simple/Cached_Two/", IndexIntegrationTest.PIP_ACCEPT, "identity").statusCode()).isEqualTo(301);
		HttpResponse<byte[]> head = this.http
			.send(request("/simple/cached-two/", IndexIntegrationTest.PIP_ACCEPT, "identity")
				.method("HEAD", HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(head.body()).isEmpty();
	}

	@Test
	void aCachedPageRunsNoHandlerBootAddsToTheServer() throws Exception {
		hostedWithOneFile("cached-three", "1.0", "f".repeat(64), 456);
		Server server = ((JettyWebServer) this.context.getWebServer()).getServer();
		assertThat(server.getHandler()).isInstanceOf(CachedPageHandler.class);
		// Graceful shutdown counts the requests under way with this handler: it must
		// still
		// be there, behind the cached pages.
		StatisticsHandler statistics = server.getDescendant(StatisticsHandler.class);
		assertThat(statistics).isNotNull();
		assertThat(get("/simple/cached-three/", IndexIntegrationTest.PIP_ACCEPT, "gzip").statusCode()).isEqualTo(200);
		int counted = statistics.getRequests();
		for (String encoding : ENCODINGS) {
			assertThat(get("/simple/cached-three/", IndexIntegrationTest.PIP_ACCEPT, encoding).statusCode())
				.isEqualTo(200);
		}
		assertThat(statistics.getRequests()).as("cached answers").isEqualTo(counted);
		HttpResponse<byte[]> head = this.http
			.send(request("/simple/cached-three/", IndexIntegrationTest.PIP_ACCEPT, "gzip")
				.method("HEAD", HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(statistics.getRequests()).as("an answer of the servlet filter").isEqualTo(counted + 1);
	}

	@Test
	void noLoggerCheckPassesThroughTheLogbackMetricsFilter() throws Exception {
		LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
		// Micrometer's filter (package-private) is what the binder installs.
		assertThat(logging.getTurboFilterList())
			.noneMatch((filter) -> filter.getClass().getPackageName().startsWith("io.micrometer"));
		HttpResponse<String> metrics = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/actuator/prometheus")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(metrics.body()).contains("wheelfarm_index_requests_total").doesNotContain("logback_events");
	}

	/** A hosted project with one PyPI sdist of the version. */
	private void hostedWithOneFile(String project, String version, String sha256, long size) {
		IndexFixtures rows = new IndexFixtures(this.jdbc);
		String filename = project.replace('-', '_') + "-" + version + ".tar.gz";
		rows.pypiFile(rows.release(rows.optedIn(project), version), filename, "sdist",
				"https://files.example/" + filename, sha256, size);
	}

	/** Every header but the date, which moves with the clock. */
	private static Map<String, List<String>> headers(HttpHeaders headers) {
		Map<String, List<String>> kept = new TreeMap<>(headers.map());
		kept.remove("date");
		return kept;
	}

	private HttpResponse<byte[]> get(String path, String accept, String encoding) throws Exception {
		return this.http.send(request(path, accept, encoding).build(), HttpResponse.BodyHandlers.ofByteArray());
	}

	private HttpRequest.Builder request(String path, String accept, String encoding) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.header("Accept", accept)
			.header("Accept-Encoding", encoding);
	}

}
