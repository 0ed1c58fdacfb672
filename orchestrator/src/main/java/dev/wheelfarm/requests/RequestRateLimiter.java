package dev.wheelfarm.requests;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * A fixed-window limit per client: at most {@code perClient} requests per window. The
 * table of clients is bounded (least recently seen clients are forgotten first), so a
 * flood from many addresses cannot exhaust memory.
 */
@Component
class RequestRateLimiter {

	private final RequestsProperties properties;

	private final Clock clock;

	private final Map<String, Window> windows;

	@Autowired
	RequestRateLimiter(RequestsProperties properties) {
		this(properties, Clock.systemUTC());
	}

	RequestRateLimiter(RequestsProperties properties, Clock clock) {
		this.properties = properties;
		this.clock = clock;
		this.windows = new LinkedHashMap<>(16, 0.75f, true) {

			private static final long serialVersionUID = 1L;

			@Override
			protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
				return size() > properties.trackedClients();
			}

		};
	}

	/**
	 * Counts a request from {@code client}.
	 * @return empty when allowed, otherwise how long the client must wait
	 */
	synchronized Optional<Duration> tryAcquire(String client) {
		Instant now = this.clock.instant();
		Window window = this.windows.get(client);
		if (window == null || !now.isBefore(window.start.plus(this.properties.window()))) {
			window = new Window(now);
			this.windows.put(client, window);
		}
		if (window.count >= this.properties.perClient()) {
			Duration wait = Duration.between(now, window.start.plus(this.properties.window()));
			return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
		}
		window.count++;
		return Optional.empty();
	}

	private static final class Window {

		final Instant start;

		int count;

		Window(Instant start) {
			this.start = start;
		}

	}

}
