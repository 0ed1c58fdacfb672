package dev.wheelfarm.pypi;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The pauses a {@link PypiHttp} wanted before its retries, recorded and not slept: tests
 * check the backoff and {@code Retry-After} by what was asked, without waiting for it.
 */
final class RecordedPauses implements Pauses {

	private final List<Duration> pauses = new CopyOnWriteArrayList<>();

	@Override
	public long before(URI target, Duration pause) {
		this.pauses.add(pause);
		return 0;
	}

	List<Duration> all() {
		return List.copyOf(this.pauses);
	}

}
