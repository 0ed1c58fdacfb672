package dev.wheelfarm.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock a test moves by hand, so that leases, backoffs, poll intervals and run timeouts
 * pass at once instead of being slept out. It stands still between moves. Safe to read
 * from the threads of the code under test while the test moves it.
 */
public final class MutableClock extends Clock {

	private final AtomicReference<Instant> now;

	public MutableClock(Instant start) {
		this.now = new AtomicReference<>(start);
	}

	/**
	 * A clock that starts at the real time, to microseconds as PostgreSQL keeps it: rows
	 * a test writes with the database's {@code now()} are then neither far past nor far
	 * future for the code under test.
	 */
	public static MutableClock startingNow() {
		return new MutableClock(Instant.now().truncatedTo(ChronoUnit.MICROS));
	}

	/** Moves the clock forward by {@code duration}. */
	public void advance(Duration duration) {
		if (duration.isNegative()) {
			throw new IllegalArgumentException("time does not run backwards: " + duration);
		}
		this.now.updateAndGet((instant) -> instant.plus(duration));
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		return this;
	}

	@Override
	public Instant instant() {
		return this.now.get();
	}

}
