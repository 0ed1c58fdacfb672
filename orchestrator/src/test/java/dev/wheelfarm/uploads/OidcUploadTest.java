package dev.wheelfarm.uploads;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.testsupport.IntegrationTest;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trusted publishing with real twine: a GitHub Actions OIDC token, signed by the test's
 * own issuer, used directly as the upload password. Accepted for the project's opted-in
 * repository; refused for another repository, another audience, or after it expired.
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

	private static Path wheel(String name, String version) throws Exception {
		Path dir = Files.createDirectories(scratch.resolve(name + "-" + version));
		return TestWheels.of(name, version).write(dir, name + "-" + version + "-py3-none-any.whl");
	}

}
