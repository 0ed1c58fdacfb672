package dev.wheelfarm.uploads;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How uploaders prove which project they may write.
 *
 * @param oidc trusted publishing with GitHub Actions OIDC tokens
 */
@ConfigurationProperties("wheelfarm.upload")
public record UploadProperties(@DefaultValue Oidc oidc) {

	/**
	 * The OpenID Connect issuer whose tokens are accepted as credentials.
	 *
	 * @param jwksUrl where the issuer's signing keys are published
	 * @param issuer the {@code iss} a token must carry
	 * @param audience the {@code aud} a token must carry: a token minted for another
	 * service must not be replayable here
	 * @param clockSkew how far {@code exp} and {@code nbf} may be off, for clocks that
	 * drift
	 * @param jwksMinRefresh the least time between two fetches of the keys when a token
	 * names an unknown key, so made-up key ids cannot make the farm hammer the issuer
	 */
	public record Oidc(@DefaultValue("https://token.actions.githubusercontent.com/.well-known/jwks") URI jwksUrl,
			@DefaultValue("https://token.actions.githubusercontent.com") String issuer,
			@DefaultValue("wheelfarm") String audience, @DefaultValue("60s") Duration clockSkew,
			@DefaultValue("30s") Duration jwksMinRefresh) {

		public Oidc {
			if (jwksUrl == null || !("https".equals(jwksUrl.getScheme()) || "http".equals(jwksUrl.getScheme()))) {
				throw new IllegalArgumentException("wheelfarm.upload.oidc.jwks-url must be an http(s) URL");
			}
			if (issuer == null || issuer.isBlank()) {
				throw new IllegalArgumentException("wheelfarm.upload.oidc.issuer must not be empty");
			}
			if (audience == null || audience.isBlank()) {
				throw new IllegalArgumentException("wheelfarm.upload.oidc.audience must not be empty");
			}
			if (clockSkew == null || clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(5)) > 0) {
				throw new IllegalArgumentException("wheelfarm.upload.oidc.clock-skew must be between 0 and 5m");
			}
			if (jwksMinRefresh == null || jwksMinRefresh.isNegative()) {
				throw new IllegalArgumentException("wheelfarm.upload.oidc.jwks-min-refresh must be zero or more");
			}
		}

	}

}
