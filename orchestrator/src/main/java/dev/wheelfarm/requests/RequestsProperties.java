package dev.wheelfarm.requests;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits on build requests from the web form and the JSON API.
 *
 * @param perClient how many requests one client may make per window
 * @param window the window of the per-client limit
 * @param trackedClients the most clients remembered at once (memory stays bounded under a
 * flood from many addresses)
 */
@ConfigurationProperties("wheelfarm.requests")
public record RequestsProperties(@DefaultValue("10") int perClient, @DefaultValue("1m") Duration window,
		@DefaultValue("10000") int trackedClients) {

	public RequestsProperties {
		if (perClient < 1) {
			throw new IllegalArgumentException("wheelfarm.requests.per-client must be at least 1");
		}
		if (window == null || window.isNegative() || window.isZero()) {
			throw new IllegalArgumentException("wheelfarm.requests.window must be positive");
		}
		if (trackedClients < 100) {
			throw new IllegalArgumentException("wheelfarm.requests.tracked-clients must be at least 100");
		}
	}

}
