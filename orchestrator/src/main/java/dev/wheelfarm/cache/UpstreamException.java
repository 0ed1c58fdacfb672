package dev.wheelfarm.cache;

/**
 * Upstream did not give what was asked. {@link #unavailable()} faults (a 5xx, a 429, a
 * timeout, a broken connection) pass: the client is told to come back later (503 with
 * {@code Retry-After}). The others are upstream's answer being wrong (bytes that do not
 * match the listed hash, a page that is not PEP 691): 502, and nothing is kept.
 */
class UpstreamException extends RuntimeException {

	private final boolean unavailable;

	UpstreamException(String message) {
		this(message, false, null);
	}

	UpstreamException(String message, boolean unavailable, Throwable cause) {
		super(message, cause);
		this.unavailable = unavailable;
	}

	boolean unavailable() {
		return this.unavailable;
	}

}
