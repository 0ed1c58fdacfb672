package dev.wheelfarm.uploads;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the upload tests share: the running farm, its rows, isolated twine and pip, and
 * plain HTTP calls. Each test class seeds its projects once.
 */
abstract class UploadTestBase {

	static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Set<Class<?>> SEEDED = ConcurrentHashMap.newKeySet();

	@TempDir
	static Path scratch;

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	UploadFixtures rows;

	Clients clients;

	@BeforeEach
	final void prepare() {
		this.rows = new UploadFixtures(this.jdbc);
		this.clients = new Clients(scratch);
		if (SEEDED.add(getClass())) {
			seed(this.rows);
		}
	}

	/** The projects the class's tests use, inserted once. */
	abstract void seed(UploadFixtures rows);

	String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	String legacy() {
		return url("/legacy/");
	}

	/** A call of the JSON API with the credential as twine sends it, or none. */
	HttpResponse<String> call(String method, String path, String token) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
			.method(method, HttpRequest.BodyPublishers.noBody());
		if (token != null) {
			request.header("Authorization", basic(token));
		}
		return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	static String basic(String token) {
		return "Basic " + Base64.getEncoder().encodeToString(("__token__:" + token).getBytes(StandardCharsets.UTF_8));
	}

	static HttpResponse<byte[]> get(String url) throws Exception {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
	}

	/** A PEP 691 JSON page, which must be there. */
	static JsonNode simpleJson(String url) throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url))
				.header("Accept", "application/vnd.pypi.simple.v1+json")
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
		return JSON.readTree(response.body());
	}

}
