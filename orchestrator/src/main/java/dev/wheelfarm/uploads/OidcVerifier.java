package dev.wheelfarm.uploads;

import java.net.MalformedURLException;
import java.net.URL;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.CachingJWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.proc.BadJWTException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.stereotype.Component;

/**
 * Verifies a GitHub Actions OIDC token (a JWT, RFC 7519) used as an upload credential:
 * Spring Security's {@link NimbusJwtDecoder} checks the RS256 signature against the
 * configured JWKS (cached and read again when GitHub rotates its keys), then the issuer,
 * the audience ({@code wheelfarm} unless configured otherwise), and expiry and not-before
 * with a small clock skew. The workflow's {@code repository} claim, and GitHub's ids for
 * the repository and its owner, are what the token proves.
 * <p>
 * The decoder is kept to this class rather than published as a bean: a {@code JwtDecoder}
 * bean would switch off Spring Boot's default user details set-up, and nothing on the
 * farm logs in with a bearer token.
 */
@Component
class OidcVerifier {

	private static final Logger logger = LoggerFactory.getLogger(OidcVerifier.class);

	/** GitHub's tokens are about 1 KB; far larger input is not a token. */
	private static final int MAX_LENGTH = 16 * 1024;

	/** Nimbus's own default is half a second, short for an issuer across the internet. */
	private static final int JWKS_TIMEOUT_MILLIS = 10_000;

	/** GitHub's JWKS is a few KB; a size limit so that a wrong URL cannot fill memory. */
	private static final int JWKS_SIZE_LIMIT = 256 * 1024;

	/** How long the keys are trusted without reading them again (Nimbus's default). */
	private static final Duration JWKS_CACHE = Duration.ofMillis(JWKSourceBuilder.DEFAULT_CACHE_TIME_TO_LIVE);

	private final UploadProperties.Oidc properties;

	private final NimbusJwtDecoder decoder;

	@Autowired
	OidcVerifier(UploadProperties properties) {
		this(properties, Clock.systemUTC());
	}

	OidcVerifier(UploadProperties properties, Clock clock) {
		this.properties = properties.oidc();
		this.decoder = NimbusJwtDecoder.withJwkSource(keys(this.properties))
			.jwsAlgorithm(SignatureAlgorithm.RS256)
			.build();
		this.decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(checks(this.properties, clock)));
	}

	/**
	 * The issuer's keys, cached; a token naming an unknown key id reads them again (a
	 * rotation), rate limited by {@code jwks-min-refresh} so that made-up key ids cannot
	 * make the farm hammer the issuer.
	 */
	private static JWKSource<SecurityContext> keys(UploadProperties.Oidc properties) {
		URL url;
		try {
			url = properties.jwksUrl().toURL();
		}
		catch (MalformedURLException ex) {
			throw new IllegalArgumentException("wheelfarm.upload.oidc.jwks-url is not a URL", ex);
		}
		long minRefresh = properties.jwksMinRefresh().toMillis();
		// Nimbus needs the cache to outlive the rate limit's interval.
		long cache = Math.max(JWKS_CACHE.toMillis(), 2 * minRefresh + 1);
		return JWKSourceBuilder
			.create(url, new DefaultResourceRetriever(JWKS_TIMEOUT_MILLIS, JWKS_TIMEOUT_MILLIS, JWKS_SIZE_LIMIT))
			.cache(cache, JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT, (event) -> {
				// The operator's record of each read (a rotation shows as a new count).
				if (event instanceof CachingJWKSetSource.RefreshCompletedEvent<SecurityContext> read) {
					logger.info("Read {} signing key(s) from {}", read.getJWKSet().size(), properties.jwksUrl());
				}
			})
			// Refresh-ahead runs a thread per source; a fetch when the cache expires is
			// enough for a credential checked a few times an hour.
			.refreshAheadCache(false)
			.rateLimited(minRefresh)
			.build();
	}

	/**
	 * Spring Security's validators decide; each refusal is then phrased for the uploader,
	 * in order: issuer, audience, time.
	 */
	private static List<OAuth2TokenValidator<Jwt>> checks(UploadProperties.Oidc properties, Clock clock) {
		JwtTimestampValidator time = new JwtTimestampValidator(properties.clockSkew());
		time.setClock(clock);
		time.setAllowEmptyExpiryClaim(false);
		return List.of(
				refusing(new JwtIssuerValidator(properties.issuer()),
						(jwt) -> "The OIDC token's issuer is " + jwt.getClaimAsString("iss") + ", not "
								+ properties.issuer()),
				refusing(new JwtAudienceValidator(properties.audience()),
						(jwt) -> "The OIDC token's audience is " + jwt.getAudience() + ", not \""
								+ properties.audience() + "\" (request it with getIDToken('" + properties.audience()
								+ "') or ?audience=" + properties.audience() + ")"),
				refusing(time, (jwt) -> {
					if (jwt.getExpiresAt() == null) {
						return "The OIDC token has no expiry (exp)";
					}
					if (clock.instant().isAfter(jwt.getExpiresAt())) {
						return "The OIDC token expired at " + jwt.getExpiresAt();
					}
					return "The OIDC token is not valid before " + jwt.getNotBefore();
				}));
	}

	private static OAuth2TokenValidator<Jwt> refusing(OAuth2TokenValidator<Jwt> check,
			java.util.function.Function<Jwt, String> reason) {
		return (jwt) -> check.validate(jwt).hasErrors()
				? OAuth2TokenValidatorResult
					.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, reason.apply(jwt), null))
				: OAuth2TokenValidatorResult.success();
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
		JWSHeader header = rs256Header(token);
		Jwt jwt = decode(token, header.getKeyID());
		String repository = jwt.getClaimAsString("repository");
		if (repository == null || repository.isBlank()) {
			throw new CredentialRejectedException(
					"The OIDC token has no repository claim (is it from GitHub Actions?)");
		}
		Long repositoryId = githubId(jwt.getClaim("repository_id"));
		Long ownerId = githubId(jwt.getClaim("repository_owner_id"));
		if (repositoryId == null || ownerId == null) {
			throw new CredentialRejectedException("The OIDC token has no repository_id and repository_owner_id"
					+ " claims (is it from GitHub Actions?)");
		}
		String ref = jwt.getClaimAsString("ref");
		String label = "oidc:" + repository + ((ref != null) ? "@" + ref : "");
		// Recorded with each file (at most 512 characters); GitHub's claims are far
		// shorter.
		return new Identity(repository, repositoryId, ownerId, ref, bounded(label, 512),
				bounded(jwt.getClaimAsString("workflow_ref"), 512), bounded(runId(jwt.getClaim("run_id")), 64));
	}

	/**
	 * The header, read before the decoder so that a token of another algorithm is refused
	 * by name; the decoder itself accepts RS256 only as well.
	 */
	private static JWSHeader rs256Header(String token) throws CredentialRejectedException {
		Header header;
		try {
			header = Header.parse(JOSEObject.split(token)[0]);
		}
		catch (ParseException ex) {
			throw new CredentialRejectedException("The OIDC token is not a JWT (three base64url parts)", ex);
		}
		Algorithm algorithm = header.getAlgorithm();
		if (!(header instanceof JWSHeader jws) || !JWSAlgorithm.RS256.equals(algorithm)) {
			throw new CredentialRejectedException("The OIDC token must be signed with RS256, not "
					+ ((algorithm != null) ? algorithm.getName() : "nothing"));
		}
		return jws;
	}

	private Jwt decode(String token, String kid) throws CredentialRejectedException {
		try {
			return this.decoder.decode(token);
		}
		catch (JwtValidationException ex) {
			String reason = ex.getErrors()
				.stream()
				.map(OAuth2Error::getDescription)
				.findFirst()
				.orElse(ex.getMessage());
			throw new CredentialRejectedException(reason, ex);
		}
		catch (BadJwtException ex) {
			if (ex.getCause() instanceof BadJWSException) {
				throw new CredentialRejectedException("The OIDC token's signature does not verify", ex);
			}
			if (ex.getCause() instanceof BadJWTException || ex.getCause() instanceof ParseException) {
				throw new CredentialRejectedException("The OIDC token's claims are not a JSON object", ex);
			}
			// Nimbus found no key for the header (DefaultJWTProcessor's "no matching
			// key(s)"), after reading the keys again.
			throw notPublished(kid, ex);
		}
		catch (JwtException ex) {
			if (ex.getCause() instanceof RateLimitReachedException) {
				// Read within jwks-min-refresh already: the key is not there.
				throw notPublished(kid, ex);
			}
			if (ex.getCause() instanceof KeySourceException) {
				logger.warn("Could not read the OIDC keys from {}: {}", this.properties.jwksUrl(),
						ex.getCause().getMessage());
				throw new CredentialRejectedException("The issuer's keys could not be read; try again later", ex);
			}
			throw new CredentialRejectedException("The OIDC token could not be verified", ex);
		}
	}

	private static CredentialRejectedException notPublished(String kid, Exception cause) {
		return new CredentialRejectedException(
				"The OIDC token is signed by key " + kid + ", which the issuer does not publish", cause);
	}

	/** GitHub sends its numeric ids as strings; a number is taken as well. */
	private static Long githubId(Object value) {
		String id = (value instanceof Number || value instanceof String) ? value.toString() : null;
		if (id == null || !id.matches("[1-9][0-9]{0,17}")) {
			return null;
		}
		return Long.valueOf(id);
	}

	/** GitHub sends {@code run_id} as a string; a number is taken as well. */
	private static String runId(Object value) {
		String id = (value instanceof Number || value instanceof String) ? value.toString() : null;
		return (id != null && id.matches("[0-9]{1,20}")) ? id : null;
	}

	private static String bounded(String value, int length) {
		return (value == null || value.length() <= length) ? value : value.substring(0, length);
	}

	/**
	 * The workflow run a token was issued to.
	 *
	 * @param repository the {@code repository} claim, {@code owner/name}
	 * @param repositoryId the {@code repository_id} claim: GitHub's id for the
	 * repository, never reused, unlike its name
	 * @param ownerId the {@code repository_owner_id} claim: GitHub's id for its owner
	 * @param ref the {@code ref} claim (e.g. {@code refs/heads/main}), or null
	 * @param label how uploads with it are recorded
	 * @param workflowRef the {@code workflow_ref} claim
	 * @param runId the {@code run_id} claim
	 */
	record Identity(String repository, long repositoryId, long ownerId, String ref, String label, String workflowRef,
			String runId) {

	}

}
