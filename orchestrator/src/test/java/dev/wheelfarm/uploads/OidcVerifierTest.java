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
		return verifier(issuer, clock, Duration.ofSeconds(30));
	}

	private static OidcVerifier verifier(TestOidcIssuer from, Clock clock, Duration jwksMinRefresh) {
		return new OidcVerifier(new UploadProperties(new UploadProperties.Oidc(from.jwksUrl(), TestOidcIssuer.ISSUER,
				"wheelfarm", Duration.ofSeconds(60), jwksMinRefresh)), clock);
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
	void gitHubsIdsForTheRepositoryAndItsOwnerAreRead() throws Exception {
		Map<String, Object> claims = TestOidcIssuer.claims("example-org/example");
		claims.put("repository_id", "690312345");
		claims.put("repository_owner_id", 4711);
		OidcVerifier.Identity identity = verifier().verify(issuer.token(claims));
		assertThat(identity.repositoryId()).isEqualTo(690312345L);
		assertThat(identity.ownerId()).as("a number is taken too").isEqualTo(4711L);
	}

	@Test
	void aTokenWithoutGitHubsIdsIsRefused() {
		Map<String, Object> noIds = TestOidcIssuer.claims("example-org/example");
		noIds.remove("repository_id");
		assertThatExceptionOfType(CredentialRejectedException.class)
			.isThrownBy(() -> verifier().verify(issuer.token(noIds)))
			.withMessageContaining("no repository_id and repository_owner_id");
		Map<String, Object> notAnId = TestOidcIssuer.claims("example-org/example");
		notAnId.put("repository_owner_id", "12 OR 1=1");
		assertThatExceptionOfType(CredentialRejectedException.class)
			.isThrownBy(() -> verifier().verify(issuer.token(notAnId)))
			.withMessageContaining("no repository_id and repository_owner_id");
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
	void aTamperedSignatureIsRefused() {
		String token = issuer.token(TestOidcIssuer.claims("example-org/example"));
		String[] parts = token.split("\\.");
		byte[] signature = java.util.Base64.getUrlDecoder().decode(parts[2]);
		signature[signature.length / 2] ^= 0x01;
		String tampered = parts[0] + "." + parts[1] + "."
				+ java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
		assertThatExceptionOfType(CredentialRejectedException.class).isThrownBy(() -> verifier().verify(tampered))
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
		int read = issuer.jwksRequests();
		String unknown = TestOidcIssuer.sign(Map.of("alg", "RS256", "kid", "rotated-away"),
				TestOidcIssuer.claims("example-org/example"), issuer.key());
		assertThatExceptionOfType(CredentialRejectedException.class).isThrownBy(() -> verifier.verify(unknown))
			.withMessageContaining("which the issuer does not publish");
		// Nimbus's rate limit allows a second read in an interval, so that a rotation
		// just
		// after a routine read is still seen: the first unknown id reads the keys again.
		int fetched = issuer.jwksRequests();
		assertThat(fetched).isEqualTo(read + 1);
		for (int i = 0; i < 5; i++) {
			assertThatExceptionOfType(CredentialRejectedException.class).isThrownBy(() -> verifier.verify(unknown))
				.withMessageContaining("which the issuer does not publish");
		}
		// Fetched within the minimum refresh interval: no new request for made-up ids.
		assertThat(issuer.jwksRequests()).isEqualTo(fetched);
	}

	@Test
	void withoutAMinimumRefreshEveryUnknownKeyIdReadsTheKeys() throws Exception {
		OidcVerifier verifier = verifier(issuer, Clock.systemUTC(), Duration.ZERO);
		verifier.verify(issuer.token(TestOidcIssuer.claims("example-org/example")));
		int fetched = issuer.jwksRequests();
		String unknown = TestOidcIssuer.sign(Map.of("alg", "RS256", "kid", "rotated-away"),
				TestOidcIssuer.claims("example-org/example"), issuer.key());
		for (int i = 0; i < 3; i++) {
			assertThatExceptionOfType(CredentialRejectedException.class).isThrownBy(() -> verifier.verify(unknown))
				.withMessageContaining("which the issuer does not publish");
		}
		assertThat(issuer.jwksRequests()).isEqualTo(fetched + 3);
	}

	@Test
	void aRotatedKeyIsReadAndAcceptedAndTheRetiredOneRefused() throws Exception {
		try (TestOidcIssuer rotating = new TestOidcIssuer()) {
			OidcVerifier verifier = verifier(rotating, Clock.systemUTC(), Duration.ofSeconds(30));
			String beforeRotation = rotating.token(TestOidcIssuer.claims("example-org/example"));
			verifier.verify(beforeRotation);
			int fetched = rotating.jwksRequests();

			rotating.rotate("wheelfarm-test-key-2");
			OidcVerifier.Identity identity = verifier
				.verify(rotating.token(TestOidcIssuer.claims("example-org/example")));
			assertThat(identity.repository()).isEqualTo("example-org/example");
			assertThat(rotating.jwksRequests()).as("the new key id read the keys again").isEqualTo(fetched + 1);
			// The cache now holds the new key only, and the read for the retired id is
			// within the rate limit: refused without asking the issuer.
			assertThatExceptionOfType(CredentialRejectedException.class)
				.isThrownBy(() -> verifier.verify(beforeRotation))
				.withMessageContaining("signed by key " + TestOidcIssuer.KID + ", which the issuer does not publish");
			assertThat(rotating.jwksRequests()).isEqualTo(fetched + 1);
		}
	}

	@Test
	void unreadableKeysAreATemporaryRefusal() {
		OidcVerifier verifier = new OidcVerifier(new UploadProperties(
				new UploadProperties.Oidc(java.net.URI.create(issuer.jwksUrl().resolve("/nowhere").toString()),
						TestOidcIssuer.ISSUER, "wheelfarm", Duration.ofSeconds(60), Duration.ofSeconds(30))));
		assertThatExceptionOfType(CredentialRejectedException.class)
			.isThrownBy(() -> verifier.verify(issuer.token(TestOidcIssuer.claims("example-org/example"))))
			.withMessageContaining("The issuer's keys could not be read; try again later");
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
