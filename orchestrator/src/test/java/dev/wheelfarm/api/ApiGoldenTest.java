package dev.wheelfarm.api;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.MutableClock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code /api/*} answer against a golden file in
 * {@code src/test/resources/api/golden/} (status, the headers a client reads, the body
 * byte for byte), against its schema in the served OpenAPI description, and in the API's
 * one key style; and the description against the application's mappings, both ways.
 *
 * <p>
 * The calls run in the order of {@link #CALLS}, over rows seeded with fixed times and a
 * {@link MutableClock} that stands still: an answer is the same on every run. What cannot
 * be (the port, a stage's random token, a time the database stamps with {@code now()}) is
 * normalized, and only that. Adding an answer: add a {@link Call} to {@link #CALLS}, run
 * this test (it writes the missing golden file and fails), read the file, run again.
 * {@code -Dgolden.write=true} rewrites every file after a deliberate change.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.requests.per-client=1000",
		"wheelfarm.optin.registrations-per-client=1000" })
class ApiGoldenTest {

	static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");

	static final String TOKEN = "pypi-golden-token-0123456789abcdef";

	static final String BASIC = "Basic "
			+ java.util.Base64.getEncoder().encodeToString(("__token__:" + TOKEN).getBytes(StandardCharsets.UTF_8));

	static final Path GOLDEN = Path.of("src/test/resources/api/golden");

	private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

	/** A stage's token: random, so replaced by a placeholder. */
	private static final Pattern STAGE_TOKEN = Pattern.compile("(?<=/stages?/)[A-Za-z0-9_-]{43}");

	private static final Pattern ISO_TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");

	/** The calls, in order: later ones see what earlier ones changed. */
	static final List<Call> CALLS = List.of(
			// status: lists and single items
			Call.get("projects-list", "/api/projects"), Call.get("projects-list-paged", "/api/projects?per_page=1"),
			Call.get("projects-list-search", "/api/projects?search=demo"),
			Call.get("projects-list-bad-page", "/api/projects?page=0"), Call.get("project", "/api/projects/Demo.Pkg"),
			Call.get("project-unknown", "/api/projects/no-such-pkg"), Call.get("builds-list", "/api/builds"),
			Call.get("builds-list-filtered", "/api/builds?state=failed&project=demo-pkg"),
			Call.get("builds-list-bad-state", "/api/builds?state=melted"), Call.get("build-published", "/api/builds/1"),
			Call.get("build-failed", "/api/builds/2"), Call.get("build-unknown", "/api/builds/nope"),
			// the public record of a file
			Call.get("file-record", "/api/files/demo_pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
			Call.get("file-unknown", "/api/files/nothing-1.0-py3-none-any.whl"),
			// requests
			Call.post("request-created", "/api/requests", "{\"project\": \"demo-pkg\", \"version\": \"1.2\"}"),
			Call.post("request-existing", "/api/requests", "{\"project\": \"demo-pkg\", \"version\": \"1.2\"}"),
			Call.post("request-has-wheels", "/api/requests", "{\"project\": \"demo-pkg\", \"version\": \"2.0\"}"),
			Call.post("request-unknown-project", "/api/requests", "{\"project\": \"nobody\", \"version\": \"1.0\"}"),
			Call.post("request-malformed", "/api/requests", "{\"project\": "),
			Call.of("request-wrong-method", "DELETE", "/api/requests", null, null),
			Call.get("unknown-resource", "/api/no-such-thing"),
			// opt-ins
			Call.get("opt-in-registration", "/api/opt-ins?repository=https://git.example/demo-pkg"),
			Call.get("opt-in-registration-unknown", "/api/opt-ins?repository=https://git.example/unknown"),
			Call.get("opt-in-project", "/api/opt-ins/demo-pkg"),
			Call.get("opt-in-project-pending", "/api/opt-ins/other-pkg"),
			Call.get("opt-in-project-unknown", "/api/opt-ins/nobody-pkg"),
			Call.get("opt-in-project-invalid", "/api/opt-ins/-bad-"),
			Call.post("opt-in-register-invalid", "/api/opt-ins", "{}"),
			// rebuilds
			Call.of("rebuild-unauthenticated", "POST", "/api/projects/demo-pkg/versions/1.1/rebuilds", null, null),
			Call.of("rebuild-queued", "POST", "/api/projects/demo-pkg/versions/1.1/rebuilds",
					"{\"note\": \"declared the build requirement\"}", "Bearer " + TOKEN),
			Call.of("rebuild-not-failed", "POST", "/api/projects/demo-pkg/versions/1.1/rebuilds", null,
					"Bearer " + TOKEN),
			Call.of("rebuild-no-build", "POST", "/api/projects/demo-pkg/versions/9.9/rebuilds", null,
					"Bearer " + TOKEN),
			// stages
			Call.of("stage-opened", "POST", "/api/projects/demo-pkg/stages", null, BASIC),
			Call.of("stage-unauthenticated", "GET", "/api/projects/demo-pkg/stages", null, null),
			Call.of("stage-list", "GET", "/api/projects/demo-pkg/stages", null, BASIC),
			Call.get("stage", "/api/stages/{stage}"),
			Call.of("stage-published", "POST", "/api/stages/{stage}/publish", null, BASIC),
			Call.of("stage-not-open", "DELETE", "/api/stages/{stage}", null, BASIC),
			Call.get("stage-unknown", "/api/stages/" + "x".repeat(43)),
			// GitHub's deliveries
			Call.post("webhook-disabled", "/api/github/webhook", "{}"));

	@Autowired
	JdbcClient jdbc;

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	RequestMappingHandlerMapping mappings;

	@LocalServerPort
	int port;

	private final HttpClient http = HttpClient.newHttpClient();

	private final Map<String, String> captured = new HashMap<>();

	private OpenApiDescription description;

	@BeforeAll
	void seedAndReadTheDescription() throws Exception {
		ApiFixtures.seed(this.jdbc, Sha256.digest(TOKEN.getBytes(StandardCharsets.UTF_8)).hex());
		HttpResponse<String> served = send(new Call("openapi", "GET", "/api/openapi.json", null, null));
		assertThat(served.statusCode()).isEqualTo(200);
		assertThat(served.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/json"));
		this.description = new OpenApiDescription(JSON.readTree(served.body()));
	}

	@TestFactory
	Stream<DynamicTest> everyAnswerMatchesItsGoldenFileItsSchemaAndTheKeyStyle() {
		return CALLS.stream().map((call) -> DynamicTest.dynamicTest(call.name(), () -> check(call)));
	}

	@Test
	void theDescriptionHasAnEntryForEveryMappingAndAMappingForEveryEntry() {
		List<String> mapped = new ArrayList<>();
		for (Map.Entry<RequestMappingInfo, HandlerMethod> entry : this.mappings.getHandlerMethods().entrySet()) {
			for (String pattern : entry.getKey().getPatternValues()) {
				if (pattern.startsWith("/api/")) {
					entry.getKey()
						.getMethodsCondition()
						.getMethods()
						.forEach((method) -> mapped.add(method.name() + " " + pattern));
				}
			}
		}
		assertThat(mapped).as("the farm answers below /api/").isNotEmpty();
		assertThat(this.description.operations()).containsExactlyInAnyOrderElementsOf(mapped);
	}

	@Test
	void everyDescribedOperationHasAGoldenAnswer() {
		List<String> covered = CALLS.stream()
			.map((call) -> call.method() + " " + this.description.template(call.path()))
			.toList();
		assertThat(covered).containsAll(this.description.operations()
			.stream()
			// The description serves itself: its golden file would be a copy of it.
			.filter((operation) -> !operation.equals("GET /api/openapi.json"))
			.toList());
	}

	private void check(Call call) throws IOException, InterruptedException {
		HttpResponse<String> response = send(call);
		JsonNode body = response.body().isEmpty() ? null : JSON.readTree(response.body());
		if (call.name().startsWith("stage-opened")) {
			Matcher token = STAGE_TOKEN.matcher(body.path("index_url").asString());
			assertThat(token.find()).as(response.body()).isTrue();
			this.captured.put("stage", token.group());
		}
		ObjectNode answer = JSON.createObjectNode();
		ObjectNode request = answer.putObject("request");
		request.put("method", call.method());
		request.put("path", call.path());
		request.put("body", call.body());
		answer.put("status", response.statusCode());
		ObjectNode headers = answer.putObject("headers");
		for (String name : List.of("Content-Type", "Location", "Link", "Allow", "Retry-After", "WWW-Authenticate")) {
			response.headers().firstValue(name).ifPresent((value) -> headers.put(name, value));
		}
		answer.set("body", body);
		String actual = normalize(JSON.writeValueAsString(answer));
		Path golden = GOLDEN.resolve(call.name() + ".json");
		boolean missing = !Files.exists(golden);
		if (missing || Boolean.getBoolean("golden.write")) {
			Files.writeString(golden, actual, StandardCharsets.UTF_8);
		}

		String contentType = response.headers().firstValue("Content-Type").orElse("");
		assertThat(contentType).as("every API answer is JSON").matches("application/(problem\\+)?json(;.*)?");
		if (response.statusCode() >= 400) {
			assertThat(contentType).as("a refusal is a problem document").startsWith("application/problem+json");
			assertThat(body.path("type").asString()).startsWith("urn:wheelfarm:problem:");
		}
		assertThat(KeyStyle.offences(body)).as("keys not in snake_case").isEmpty();
		assertThat(this.description.errors(call.method(), call.path(), response.statusCode(), body))
			.as("the answer against its schema in the OpenAPI description")
			.isEmpty();

		assertThat(missing).as(golden + " was missing: written, review it").isFalse();
		assertThat(actual).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
	}

	private HttpResponse<String> send(Call call) throws IOException, InterruptedException {
		String path = call.path();
		for (Map.Entry<String, String> value : this.captured.entrySet()) {
			path = path.replace("{" + value.getKey() + "}", value.getValue());
		}
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.method(call.method(), (call.body() != null) ? HttpRequest.BodyPublishers.ofString(call.body())
					: HttpRequest.BodyPublishers.noBody());
		if (call.body() != null) {
			request.header("Content-Type", "application/json");
		}
		if (call.authorization() != null) {
			request.header("Authorization", call.authorization());
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * The port becomes {@code http://farm.test}, a stage's token {@code {stage}}, and a
	 * time at or after {@link #NOW} plus a day (one the database or the stage's expiry
	 * stamped from the real time) {@code {real-time}}; seeded and clock times stay.
	 */
	private String normalize(String text) {
		String out = text.replace("http://127.0.0.1:" + this.port, "http://farm.test");
		out = STAGE_TOKEN.matcher(out).replaceAll("{stage}");
		return replace(ISO_TIME, out, (time) -> {
			try {
				return Instant.parse(time).isAfter(NOW.plus(java.time.Duration.ofDays(1))) ? "{real-time}" : time;
			}
			catch (DateTimeParseException ex) {
				return time;
			}
		});
	}

	private static String replace(Pattern pattern, String text, UnaryOperator<String> replacement) {
		Matcher matcher = pattern.matcher(text);
		StringBuilder out = new StringBuilder();
		while (matcher.find()) {
			matcher.appendReplacement(out, Matcher.quoteReplacement(replacement.apply(matcher.group())));
		}
		matcher.appendTail(out);
		return out.toString();
	}

	/**
	 * One call of the API.
	 *
	 * @param name the golden file's name
	 * @param method the HTTP method
	 * @param path the path and query; {@code {stage}} is the stage opened before
	 * @param body a JSON body, or null
	 * @param authorization the Authorization header, or null
	 */
	record Call(String name, String method, String path, String body, String authorization) {

		static Call get(String name, String path) {
			return new Call(name, "GET", path, null, null);
		}

		static Call post(String name, String path, String body) {
			return new Call(name, "POST", path, body, null);
		}

		static Call of(String name, String method, String path, String body, String authorization) {
			return new Call(name, method, path, body, authorization);
		}

	}

	@TestConfiguration
	static class StandingClock {

		@Bean
		@Primary
		Clock standingClock() {
			return new MutableClock(NOW);
		}

	}

}
