package dev.wheelfarm.dispatch.github;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The primary rate limit as GitHub last reported it. Below a small reserve the engine
 * stops calling until the window resets: the reserve keeps room for cancelling runs that
 * overran and for the operator's own tools on the same token.
 */
final class RateBudget {

	static final int RESERVE = 50;

	private static final long LATEST_RESET = Instant.parse("2200-01-01T00:00:00Z").getEpochSecond();

	private final Clock clock;

	private int remaining = Integer.MAX_VALUE;

	private Instant reset = Instant.EPOCH;

	RateBudget(Clock clock) {
		this.clock = clock;
	}

	synchronized void observe(int remaining, long resetEpochSeconds) {
		// hub4j reports "not known yet" as a record with an absurd reset; it says
		// nothing.
		if (resetEpochSeconds <= 0 || resetEpochSeconds > LATEST_RESET) {
			return;
		}
		Instant newReset = Instant.ofEpochSecond(resetEpochSeconds);
		// Answers arrive out of order from parallel calls: within one window the lower
		// count
		// is the newer one; a later reset starts a new window.
		if (newReset.isAfter(this.reset) || remaining < this.remaining) {
			this.remaining = remaining;
			this.reset = newReset;
		}
	}

	/** The remaining calls GitHub reported last; NaN before its first report. */
	synchronized double remaining() {
		return (this.remaining == Integer.MAX_VALUE) ? Double.NaN : this.remaining;
	}

	/** How long to hold off, or {@link Duration#ZERO} when calls may go ahead. */
	synchronized Duration holdOff() {
		Instant now = this.clock.instant();
		if (this.remaining >= RESERVE || !this.reset.isAfter(now)) {
			return Duration.ZERO;
		}
		return Duration.between(now, this.reset).plusSeconds(1);
	}

}
