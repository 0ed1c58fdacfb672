package dev.wheelfarm.uploads;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trusted publishing with real twine: a GitHub Actions OIDC token, signed by the test's
 * own issuer, used directly as the upload password. Accepted for the project's opted-in
 * repository; refused for another repository, another audience, after it expired, or from
 * a repository of the same name with other GitHub ids than the first accepted one.
 */
@IntegrationTest
@TestPropertySource(properties = { "wheelfarm.dispatch.enabled=false", "wheelfarm.index.page-cache-ttl=0s" })
class OidcUploadTest extends UploadTestBase {

	static TestOidcIssuer issuer;

	@DynamicPropertySource
	static void issuer(DynamicPropertyRegistry registry) throws Exception {
		issuer = new TestOidcIssuer();
		registry.add("wheelfarm.upload.oidc.jwks-url", () -> issuer.jwksUrl().toString());
	}

	@AfterAll
	static void stop() {
		issuer.close();
	}

	@Override
	void seed(UploadFixtures rows) {
		// Registered with another spelling than the claim: GitHub names ignore case.
		rows.optedIn("trusted", "https://github.com/Example-Org/Trusted.git", "immediate");
		rows.optedIn("neighbour", "https://github.com/example-org/neighbour", "immediate");
		rows.optedIn("renamed", "https://github.com/example-org/renamed", "immediate");
	}

	@Test
	void aWorkflowOfTheProjectsRepositoryUploadsWithItsOidcToken() throws Exception {
		Path wheel = wheel("trusted", "1.1.dev20261201");
		Venv.Result upload = this.clients.twine(legacy(), issuer.token(TestOidcIssuer.claims("example-org/trusted")),
				wheel);
		assertThat(upload.exitCode()).as(upload.output()).isZero();
		assertThat(this.jdbc.sql("SELECT uploaded_by FROM wheel WHERE filename = :f")
			.param("f", wheel.getFileName().toString())
			.query(String.class)
			.single()).isEqualTo("oidc:example-org/trusted@refs/heads/main");

		// The file's public record names the workflow run whose token uploaded it.
		HttpResponse<String> answer = call("GET", "/api/files/" + wheel.getFileName(), null);
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
		JsonNode record = JSON.readTree(answer.body());
		assertThat(record.path("origin").asString()).isEqualTo("upload");
		assertThat(record.path("build").isNull()).isTrue();
		JsonNode uploader = record.path("upload");
		assertThat(uploader.path("credential").asString()).isEqualTo("oidc");
		assertThat(uploader.path("token_fingerprint").isNull()).isTrue();
		assertThat(uploader.path("oidc").path("repository").asString()).isEqualTo("example-org/trusted");
		assertThat(uploader.path("oidc").path("workflow_ref").asString())
			.isEqualTo("example-org/trusted/.github/workflows/nightly.yml@refs/heads/main");
		assertThat(uploader.path("oidc").path("ref").asString()).isEqualTo("refs/heads/main");
		assertThat(record.path("stage").isNull()).as("uploaded straight to the index").isTrue();
	}

	@Test
	void aWorkflowOfAnotherRepositoryIsRefused() throws Exception {
		Path wheel = wheel("trusted", "1.1.dev2");
		// A valid token, but of the neighbour's workflow: it may write neighbour only.
		Venv.Result upload = this.clients.twine(legacy(), issuer.token(TestOidcIssuer.claims("example-org/neighbour")),
				wheel);
		assertThat(upload.exitCode()).isNotZero();
		assertThat(upload.output()).contains("403")
			.contains("repository example-org/neighbour is not trusted's opted-in repository");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
	}

	@Test
	void aTokenForAnotherAudienceIsRefused() throws Exception {
		Path wheel = wheel("trusted", "1.1.dev3");
		Map<String, Object> claims = TestOidcIssuer.claims("example-org/trusted");
		claims.put("aud", "https://github.com/example-org");
		Venv.Result upload = this.clients.twine(legacy(), issuer.token(claims), wheel);
		assertThat(upload.exitCode()).isNotZero();
		assertThat(upload.output()).contains("403").contains("audience");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
	}

	@Test
	void anExpiredTokenIsRefused() throws Exception {
		Path wheel = wheel("trusted", "1.1.dev4");
		Map<String, Object> claims = TestOidcIssuer.claims("example-org/trusted");
		long now = java.time.Instant.now().getEpochSecond();
		claims.put("iat", now - 1200);
		claims.put("nbf", now - 1200);
		claims.put("exp", now - 600);
		Venv.Result upload = this.clients.twine(legacy(), issuer.token(claims), wheel);
		assertThat(upload.exitCode()).isNotZero();
		assertThat(upload.output()).contains("403").contains("expired");
		assertThat(this.rows.files(wheel.getFileName().toString())).isZero();
	}

	@Test
	void theFirstAcceptedTokenBindsTheRepositorysIdsAndARecreatedOrTransferredOneIsRefused() throws Exception {
		Map<String, Object> original = TestOidcIssuer.claims("example-org/renamed");
		original.put("repository_id", "5550001");
		original.put("repository_owner_id", "7770001");
		Path first = wheel("renamed", "2.0.dev1");
		Venv.Result accepted = this.clients.twine(legacy(), issuer.token(original), first);
		assertThat(accepted.exitCode()).as(accepted.output()).isZero();
		assertThat(this.jdbc.sql("""
				SELECT t.github_repository_id || '/' || t.github_owner_id || '/' || t.repository
				FROM trusted_publisher t JOIN project p ON p.id = t.project_id WHERE p.name = 'renamed'
				""").query(String.class).single()).isEqualTo("5550001/7770001/example-org/renamed");

		// The original was renamed away and someone created a repository of the old
		// name: same owner, the name matches, the repository id does not.
		Map<String, Object> recreated = TestOidcIssuer.claims("example-org/renamed");
		recreated.put("repository_id", "5550002");
		recreated.put("repository_owner_id", "7770001");
		Path second = wheel("renamed", "2.0.dev2");
		Venv.Result refused = this.clients.twine(legacy(), issuer.token(recreated), second);
		assertThat(refused.exitCode()).isNotZero();
		// twine's console wraps long lines
		assertThat(refused.output().replaceAll("\\s+", " ")).contains("403")
			.contains("example-org/renamed was re-created or transferred");
		assertThat(this.rows.files(second.getFileName().toString())).isZero();

		// The organisation was deleted and its name taken by another owner.
		Map<String, Object> transferred = TestOidcIssuer.claims("example-org/renamed");
		transferred.put("repository_id", "5550001");
		transferred.put("repository_owner_id", "7770002");
		refused = this.clients.twine(legacy(), issuer.token(transferred), second);
		assertThat(refused.exitCode()).isNotZero();
		// twine's console wraps long lines
		assertThat(refused.output().replaceAll("\\s+", " ")).contains("403")
			.contains("example-org/renamed was re-created or transferred");
		assertThat(this.rows.files(second.getFileName().toString())).isZero();

		// The original repository still publishes.
		accepted = this.clients.twine(legacy(), issuer.token(original), second);
		assertThat(accepted.exitCode()).as(accepted.output()).isZero();
	}

	@Test
	void aBearerTokenChangesNothingOnThePublicPages() throws Exception {
		// Verifying JWTs must not have switched on a resource server: the pages stay
		// public, with or without a token, and nothing asks for one.
		String token = issuer.token(TestOidcIssuer.claims("example-org/trusted"));
		for (String authorization : new String[] { null, "Bearer " + token, "Bearer not-a-token" }) {
			HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url("/")));
			if (authorization != null) {
				request.header("Authorization", authorization);
			}
			HttpResponse<String> page = HttpClient.newHttpClient()
				.send(request.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(page.statusCode()).as(String.valueOf(authorization)).isEqualTo(200);
			assertThat(page.headers().firstValue("WWW-Authenticate")).as(String.valueOf(authorization)).isEmpty();
		}
	}

	private static Path wheel(String name, String version) throws Exception {
		Path dir = Files.createDirectories(scratch.resolve(name + "-" + version));
		return TestWheels.of(name, version).write(dir, name + "-" + version + "-py3-none-any.whl");
	}

}
