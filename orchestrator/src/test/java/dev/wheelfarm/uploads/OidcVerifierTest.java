package dev.wheelfarm.uploads;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The checks of RFC 7519/7515 that make an OIDC token a credential, each refused on its
 * own, against a JWKS served by a local issuer with its own key.
 */
class OidcVerifierTest {

	static TestOidcIssuer issuer;

	@BeforeAll
	static void start() throws Exception {
		issuer = new TestOidcIssuer();
	}

	@AfterAll
	static void stop() {
		issuer.close();
	}

	private OidcVerifier verifier(Clock clock) {
		return new OidcVerifier(new UploadProperties(new UploadProperties.Oidc(issuer.jwksUrl(), TestOidcIssuer.ISSUER,
				"wheelfarm", Duration.ofSeconds(60), Duration.ofSeconds(30))), clock);
	}

	private OidcVerifier verifier() {
		return verifier(Clock.systemUTC());
	}

	@Test
	void aTokenOfTheIssuerNamesItsRepositoryAndRef() throws Exception {
		OidcVerifier.Identity identity = verifier().verify(issuer.token(TestOidcIssuer.claims("example-org/example")));
		assertThat(identity.repository()).isEqualTo("example-org/example");
		assertThat(identity.label()).isEqualTo("oidc:example-org/example@refs/heads/main");
	}

	@Test
	void theWorkflowAndRunAreReadForTheTimelineAndAMalformedRunIdIsDropped() throws Exception {
		Map<String, Object> claims = TestOidcIssuer.claims("example-org/example");
		claims.put("run_id", "9876543210");
		OidcVerifier.Identity identity = verifier().verify(issuer.token(claims));
		assertThat(identity.workflowRef())
			.isEqualTo("example-org/example/.github/workflows/nightly.yml@refs/heads/main");
		assertThat(identity.runId()).isEqualTo("9876543210");

		claims.put("run_id", 42);
		assertThat(verifier().verify(issuer.token(claims)).runId()).as("a number is taken too").isEqualTo("42");
		claims.put("run_id", "42; rm -rf /");
		assertThat(verifier().verify(issuer.token(claims)).runId()).as("not an id: not recorded").isNull();
	}

	@Test
	void aSignatureByAnotherKeyIsRefused() {
		String token = issuer.tokenSignedByAnotherKey(TestOidcIssuer.claims("example-org/example"));
		assertThatExceptionOfType(CredentialRejectedException.class).isThrownBy(() -> verifier().verify(token))
			.withMessageContaining("signature does not verify");
	}

	@Test
	void aTamperedClaimBreaksTheSignature() {
		String token = issuer.token(TestOidcIssuer.claims("example-org/example"));
		String[] parts = token.split("\\.");
		String forged = java.util.Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(new String(java.util.Base64.getUrlDecoder().decode(parts[1]),
					java.nio.charset.StandardCharsets.UTF_8)
				.replace("example-org/example", "attacker-org/example")
				.getBytes(java.nio.charset.StandardCharsets.UTF_8));
		assertThatExceptionOfType(CredentialRejectedException.class)
			.isThrownBy(() -> verifier().verify(parts[0] + "." + forged + "." + parts[2]))
			.withMessageContaining("signature does not verify");
	}

	@Test
	void onlyRs256IsAccepted() {
		Map<String, Object> claims = TestOidcIssuer.claims("example-org/example");
		String none = TestOidcIssuer.sign(Map.of("alg", "none", "kid", TestOidcIssuer.KID), claims, issuer.key());
		assertThatExceptionOfType(CredentialRejectedException.class).isThrownBy(() -> verifier().verify(none))
			.withMessageContaining("must be signed with RS256, not none");
		String hmac = TestOidcIssuer.sign(Map.of("alg", "HS256", "kid", TestOidcIssuer.KID), claims, issuer.key());
		assertThatExceptionOfType(CredentialRejectedException.class).isThrownBy(() -> verifier().verify(hmac))
			.withMessageContaining("not HS256");
	}

	@Test
	void issuerAudienceExpiryAndNotBeforeAreChecked() {
		Map<String, Object> otherIssuer = TestOidcIssuer.claims("example-org/example");
		otherIssuer.put("iss", "https://gitlab.example");
		assertThatExceptionOfType(CredentialRejectedException.class)
			.isThrownBy(() -> verifier().verify(issuer.token(otherIssuer)))
			.withMessageContaining("issuer is https://gitlab.example");
		Map<String, Object> otherAudience = TestOidcIssuer.claims("example-org/example");
		otherAudience.put("aud", "sigstore");
		assertThatExceptionOfType(CredentialRejectedException.class)
			.isThrownBy(() -> verifier().verify(issuer.token(otherAudience)))
			.withMessageContaining("audience");
		Map<String, Object> listedAudience = TestOidcIssuer.claims("example-org/example");
		listedAudience.put("aud", java.util.List.of("sigstore", "wheelfarm"));
		org.assertj.core.api.Assertions.assertThatNoException()
			.isThrownBy(() -> verifier().verify(issuer.token(listedAudience)));
		String token = issuer.token(TestOidcIssuer.claims("example-org/example"));
		Instant now = Instant.now();
		// Within the clock skew either side, then beyond it.
		assertThatNoExceptionAt(token, now.plusSeconds(300 + 59));
		assertThatExceptionOfType(CredentialRejectedException.class)
			.isThrownBy(() -> verifier(Clock.fixed(now.plusSeconds(300 + 61), ZoneOffset.UTC)).verify(token))
			.withMessageContaining("expired");
		assertThatExceptionOfType(CredentialRejectedException.class)
			.isThrownBy(() -> verifier(Clock.fixed(now.minusSeconds(5 + 61), ZoneOffset.UTC)).verify(token))
			.withMessageContaining("not valid before");
		Map<String, Object> noExpiry = TestOidcIssuer.claims("example-org/example");
		noExpiry.remove("exp");
		assertThatExceptionOfType(CredentialRejectedException.class)
			.isThrownBy(() -> verifier().verify(issuer.token(noExpiry)))
			.withMessageContaining("no expiry");
	}

	@Test
	void anUnknownKeyIdFetchesTheKeysAgainButNotForEveryToken() throws Exception {
		OidcVerifier verifier = verifier();
		verifier.verify(issuer.token(TestOidcIssuer.claims("example-org/example")));
		int fetched = issuer.jwksRequests();
		String unknown = TestOidcIssuer.sign(Map.of("alg", "RS256", "kid", "rotated-away"),
				TestOidcIssuer.claims("example-org/example"), issuer.key());
		for (int i = 0; i < 5; i++) {
			assertThatExceptionOfType(CredentialRejectedException.class).isThrownBy(() -> verifier.verify(unknown))
				.withMessageContaining("which the issuer does not publish");
		}
		// Fetched within the minimum refresh interval: no new request for made-up ids.
		assertThat(issuer.jwksRequests()).isEqualTo(fetched);
	}

	@Test
	void notAJwtIsNotMistakenForOne() {
		assertThat(OidcVerifier.looksLikeJwt("pypi-AgEIcHlwaS5vcmc")).isFalse();
		assertThat(OidcVerifier.looksLikeJwt(issuer.token(TestOidcIssuer.claims("a/b")))).isTrue();
	}

	private void assertThatNoExceptionAt(String token, Instant at) {
		org.assertj.core.api.Assertions.assertThatNoException()
			.isThrownBy(() -> verifier(Clock.fixed(at, ZoneOffset.UTC)).verify(token));
	}

}
