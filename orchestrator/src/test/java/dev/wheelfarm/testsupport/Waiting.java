package dev.wheelfarm.testsupport;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The tests' one way to wait for something to come true: Awaitility polls a probe until
 * its value is what the test waits for, and on time-out the test fails naming what it
 * waited for, how long, and what it last saw. Tests never sleep for time to pass: a
 * time-to-live or a delay is the injected clock's or the configuration's.
 */
public final class Waiting {

	private static final Duration POLL = Duration.ofMillis(100);

	private Waiting() {
	}

	/**
	 * Polls {@code probe} until {@code done} accepts its value.
	 * @param what what is awaited, in words, for the failure
	 * @return the value accepted
	 * @throws AssertionError if it is not accepted within {@code limit}
	 */
	public static <T> T until(String what, Duration limit, Supplier<T> probe, Predicate<? super T> done) {
		return until(what, limit, probe, done, String::valueOf);
	}

	/**
	 * As {@link #until(String, Duration, Supplier, Predicate)}, saying on time-out what
	 * {@code diagnosis} makes of the last value (a log's tail, the ledger's rows).
	 */
	public static <T> T until(String what, Duration limit, Supplier<T> probe, Predicate<? super T> done,
			Function<? super T, String> diagnosis) {
		AtomicReference<T> last = new AtomicReference<>();
		try {
			return Awaitility.await(what)
				.atMost(limit)
				// The test's thread: probes drive browsers and dispatchers that are not
				// for sharing.
				.pollInSameThread()
				.pollDelay(Duration.ZERO)
				.pollInterval(POLL)
				.until(() -> {
					T value = probe.get();
					last.set(value);
					return value;
				}, done::test);
		}
		catch (ConditionTimeoutException ex) {
			throw new AssertionError("waited " + limit + " for " + what + "; last saw " + diagnosis.apply(last.get()),
					ex);
		}
	}

}
