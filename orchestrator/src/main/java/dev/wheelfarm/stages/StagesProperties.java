package dev.wheelfarm.stages;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long staged files wait for a decision.
 *
 * @param ttl how long a stage stays open after it was created; then its files are
 * discarded, so a forgotten stage does not keep unpublished files for ever
 * @param expiryInterval how often expired stages are looked for
 */
@ConfigurationProperties("wheelfarm.stages")
public record StagesProperties(@DefaultValue("7d") Duration ttl, @DefaultValue("1h") Duration expiryInterval) {

	public StagesProperties {
		if (ttl == null || ttl.isNegative() || ttl.isZero()) {
			throw new IllegalArgumentException("wheelfarm.stages.ttl must be positive");
		}
		if (expiryInterval == null || expiryInterval.isNegative() || expiryInterval.isZero()) {
			throw new IllegalArgumentException("wheelfarm.stages.expiry-interval must be positive");
		}
	}

}
