package dev.wheelfarm.uploads;

import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Verifies a GitHub Actions OIDC token (a JWT, RFC 7519) used as an upload credential: an
 * RS256 signature by a key of the configured JWKS, the issuer, the audience
 * ({@code wheelfarm} unless configured otherwise), expiry and not-before with a small
 * clock skew, and a {@code repository} claim. Written on the JDK's {@link Signature} so
 * that exactly one algorithm is accepted: no {@code none}, no HMAC with a public key as
 * the secret.
 */
@Component
class OidcVerifier {

	private static final Logger logger = LoggerFactory.getLogger(OidcVerifier.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** GitHub's tokens are about 1 KB; far larger input is not a token. */
	private static final int MAX_LENGTH = 16 * 1024;

	private final UploadProperties.Oidc properties;

	private final Clock clock;

	private final HttpClient http = HttpClient.newBuilder()
		.connectTimeout(Duration.ofSeconds(10))
		.followRedirects(HttpClient.Redirect.NORMAL)
		.build();

	private Map<String, PublicKey> keys = Map.of();

	private Instant fetchedAt = Instant.EPOCH;

	@Autowired
	OidcVerifier(UploadProperties properties) {
		this(properties, Clock.systemUTC());
	}

	OidcVerifier(UploadProperties properties, Clock clock) {
		this.properties = properties.oidc();
		this.clock = clock;
	}

	/** A JWT is three base64url parts; its JSON header starts {@code eyJ}. */
	static boolean looksLikeJwt(String secret) {
		return secret.startsWith("eyJ") && secret.chars().filter((c) -> c == '.').count() == 2;
	}

	/**
	 * The workflow the token was issued to.
	 * @throws CredentialRejectedException naming the check that failed
	 */
	Identity verify(String token) throws CredentialRejectedException {
		if (token.length() > MAX_LENGTH) {
			throw new CredentialRejectedException("The OIDC token is too long to be one");
		}
		String[] parts = token.split("\\.", -1);
		if (parts.length != 3) {
			throw new CredentialRejectedException("The OIDC token is not a JWT (three base64url parts)");
		}
		JsonNode header = decode(parts[0], "header");
		JsonNode claims = decode(parts[1], "claims");
		if (!"RS256".equals(text(header, "alg"))) {
			throw new CredentialRejectedException(
					"The OIDC token must be signed with RS256, not " + text(header, "alg"));
		}
		PublicKey key = key(text(header, "kid"));
		checkSignature(key, parts);
		checkClaims(claims);
		String repository = text(claims, "repository");
		if (repository == null || repository.isBlank()) {
			throw new CredentialRejectedException(
					"The OIDC token has no repository claim (is it from GitHub Actions?)");
		}
		String ref = text(claims, "ref");
		String label = "oidc:" + repository + ((ref != null) ? "@" + ref : "");
		// Recorded with each file (at most 512 characters); GitHub's claims are far
		// shorter.
		return new Identity(repository, ref, (label.length() > 512) ? label.substring(0, 512) : label,
				bounded(text(claims, "workflow_ref"), 512), bounded(runId(claims), 64));
	}

	private void checkSignature(PublicKey key, String[] parts) throws CredentialRejectedException {
		byte[] signature;
		try {
			signature = Base64.getUrlDecoder().decode(parts[2]);
		}
		catch (IllegalArgumentException ex) {
			throw new CredentialRejectedException("The OIDC token's signature is not base64url", ex);
		}
		try {
			Signature verifier = Signature.getInstance("SHA256withRSA");
			verifier.initVerify(key);
			verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
			if (!verifier.verify(signature)) {
				throw new CredentialRejectedException("The OIDC token's signature does not verify");
			}
		}
		catch (GeneralSecurityException ex) {
			throw new CredentialRejectedException("The OIDC token's signature does not verify", ex);
		}
	}

	private void checkClaims(JsonNode claims) throws CredentialRejectedException {
		if (!this.properties.issuer().equals(text(claims, "iss"))) {
			throw new CredentialRejectedException(
					"The OIDC token's issuer is " + text(claims, "iss") + ", not " + this.properties.issuer());
		}
		JsonNode audience = claims.path("aud");
		boolean audienceMatches = audience.isString() && this.properties.audience().equals(audience.stringValue());
		if (audience.isArray()) {
			for (JsonNode one : audience) {
				audienceMatches |= one.isString() && this.properties.audience().equals(one.stringValue());
			}
		}
		if (!audienceMatches) {
			throw new CredentialRejectedException("The OIDC token's audience is " + audience + ", not \""
					+ this.properties.audience() + "\" (request it with getIDToken('" + this.properties.audience()
					+ "') or ?audience=" + this.properties.audience() + ")");
		}
		long now = this.clock.instant().getEpochSecond();
		long skew = this.properties.clockSkew().toSeconds();
		JsonNode expires = claims.path("exp");
		if (!expires.isNumber()) {
			throw new CredentialRejectedException("The OIDC token has no expiry (exp)");
		}
		if (now > expires.longValue() + skew) {
			throw new CredentialRejectedException(
					"The OIDC token expired at " + Instant.ofEpochSecond(expires.longValue()));
		}
		JsonNode notBefore = claims.path("nbf");
		if (notBefore.isNumber() && now + skew < notBefore.longValue()) {
			throw new CredentialRejectedException(
					"The OIDC token is not valid before " + Instant.ofEpochSecond(notBefore.longValue()));
		}
	}

	/**
	 * The signing key; an unknown key id fetches the issuer's keys again (GitHub rotates
	 * them), at most once per {@code jwks-min-refresh}.
	 */
	private synchronized PublicKey key(String kid) throws CredentialRejectedException {
		PublicKey key = this.keys.get(kid);
		if (key != null) {
			return key;
		}
		Instant now = this.clock.instant();
		if (Duration.between(this.fetchedAt, now).compareTo(this.properties.jwksMinRefresh()) >= 0) {
			this.keys = fetchKeys();
			this.fetchedAt = now;
			key = this.keys.get(kid);
		}
		if (key == null) {
			throw new CredentialRejectedException(
					"The OIDC token is signed by key " + kid + ", which the issuer does not publish");
		}
		return key;
	}

	private Map<String, PublicKey> fetchKeys() throws CredentialRejectedException {
		HttpRequest request = HttpRequest.newBuilder(this.properties.jwksUrl())
			.timeout(Duration.ofSeconds(10))
			.header("Accept", "application/json")
			.build();
		try {
			HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() != 200) {
				throw new CredentialRejectedException(
						"The issuer's keys could not be read (HTTP " + response.statusCode() + "); try again later");
			}
			Map<String, PublicKey> fetched = new HashMap<>();
			for (JsonNode jwk : JSON.readTree(response.body()).path("keys")) {
				if ("RSA".equals(text(jwk, "kty")) && text(jwk, "kid") != null && text(jwk, "n") != null
						&& text(jwk, "e") != null) {
					fetched.put(text(jwk, "kid"), rsaKey(text(jwk, "n"), text(jwk, "e")));
				}
			}
			logger.info("Read {} signing key(s) from {}", fetched.size(), this.properties.jwksUrl());
			return Map.copyOf(fetched);
		}
		catch (IOException | JacksonException | GeneralSecurityException | IllegalArgumentException ex) {
			logger.warn("Could not read the OIDC keys from {}: {}", this.properties.jwksUrl(), ex.getMessage());
			throw new CredentialRejectedException("The issuer's keys could not be read; try again later", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new CredentialRejectedException("Interrupted while reading the issuer's keys", ex);
		}
	}

	private static PublicKey rsaKey(String modulus, String exponent) throws GeneralSecurityException {
		BigInteger n = new BigInteger(1, Base64.getUrlDecoder().decode(modulus));
		BigInteger e = new BigInteger(1, Base64.getUrlDecoder().decode(exponent));
		return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
	}

	private static JsonNode decode(String part, String what) throws CredentialRejectedException {
		try {
			JsonNode node = JSON.readTree(Base64.getUrlDecoder().decode(part));
			if (!node.isObject()) {
				throw new CredentialRejectedException("The OIDC token's " + what + " is not a JSON object");
			}
			return node;
		}
		catch (IllegalArgumentException | JacksonException ex) {
			throw new CredentialRejectedException("The OIDC token's " + what + " is not base64url JSON", ex);
		}
	}

	/** GitHub sends {@code run_id} as a string; a number is taken as well. */
	private static String runId(JsonNode claims) {
		JsonNode value = claims.get("run_id");
		if (value == null) {
			return null;
		}
		String id = value.isNumber() ? value.asString() : text(claims, "run_id");
		return (id != null && id.matches("[0-9]{1,20}")) ? id : null;
	}

	private static String bounded(String value, int length) {
		return (value == null || value.length() <= length) ? value : value.substring(0, length);
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value != null && value.isString()) ? value.stringValue() : null;
	}

	/**
	 * The workflow run a token was issued to.
	 *
	 * @param repository the {@code repository} claim, {@code owner/name}
	 * @param ref the {@code ref} claim (e.g. {@code refs/heads/main}), or null
	 * @param label how uploads with it are recorded
	 * @param workflowRef the {@code workflow_ref} claim
	 * @param runId the {@code run_id} claim
	 */
	record Identity(String repository, String ref, String label, String workflowRef, String runId) {

	}

}
