package dev.wheelfarm.optin;

import java.time.Clock;

import dev.wheelfarm.web.ClientRateLimiter;

import org.springframework.stereotype.Component;

/**
 * The per-client limit on registrations ({@code wheelfarm.optin.registrations-per-client}
 * per {@code wheelfarm.optin.registration-window}). Every registration costs the farm a
 * DNS lookup and a repository read, refused ones included, so all of them count.
 */
@Component
class RegistrationRateLimiter extends ClientRateLimiter {

	/** The most clients remembered, as for build requests' default. */
	private static final int TRACKED_CLIENTS = 10_000;

	RegistrationRateLimiter(OptInProperties properties) {
		super(properties.registrationsPerClient(), properties.registrationWindow(), TRACKED_CLIENTS, Clock.systemUTC());
	}

}
