package dev.wheelfarm.requests;

import java.time.Clock;

import dev.wheelfarm.web.ClientRateLimiter;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The per-client limit on build requests (form and JSON API together), configured by
 * {@code wheelfarm.requests.*}.
 */
@Component
class RequestRateLimiter extends ClientRateLimiter {

	@Autowired
	RequestRateLimiter(RequestsProperties properties) {
		this(properties, Clock.systemUTC());
	}

	RequestRateLimiter(RequestsProperties properties, Clock clock) {
		super(properties.perClient(), properties.window(), properties.trackedClients(), clock);
	}

}
