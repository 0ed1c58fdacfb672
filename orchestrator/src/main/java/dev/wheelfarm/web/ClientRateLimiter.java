package dev.wheelfarm.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A fixed-window limit per client: at most {@code perClient} attempts per window. The
 * table of clients is bounded (least recently seen clients are forgotten first), so a
 * flood from many addresses cannot exhaust memory. The one mechanism behind every
 * per-client limit of the farm (build requests, registrations); each feature makes its
 * own instance from its own properties, and names the client with
 * {@link ClientAddresses}.
 */
public class ClientRateLimiter {

	private final int perClient;

	private final Duration window;

	private final Clock clock;

	private final Map<String, Window> windows;

	public ClientRateLimiter(int perClient, Duration window, int trackedClients, Clock clock) {
		this.perClient = perClient;
		this.window = window;
		this.clock = clock;
		this.windows = new LinkedHashMap<>(16, 0.75f, true) {

			private static final long serialVersionUID = 1L;

			@Override
			protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
				return size() > trackedClients;
			}

		};
	}

	/**
	 * Counts an attempt by {@code client}.
	 * @return empty when allowed, otherwise how long the client must wait
	 */
	public synchronized Optional<Duration> tryAcquire(String client) {
		Instant now = this.clock.instant();
		Window current = this.windows.get(client);
		if (current == null || !now.isBefore(current.start.plus(this.window))) {
			current = new Window(now);
			this.windows.put(client, current);
		}
		if (current.count >= this.perClient) {
			Duration wait = Duration.between(now, current.start.plus(this.window));
			return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
		}
		current.count++;
		return Optional.empty();
	}

	/**
	 * The {@code Retry-After} value (whole seconds, at least 1) for a wait.
	 * @param wait what {@link #tryAcquire} answered
	 * @return the seconds to send
	 */
	public static long retryAfterSeconds(Duration wait) {
		long seconds = wait.toSeconds() + ((wait.toNanosPart() > 0) ? 1 : 0);
		return Math.max(1, seconds);
	}

	private static final class Window {

		final Instant start;

		int count;

		Window(Instant start) {
			this.start = start;
		}

	}

}
