package dev.wheelfarm.index;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code wheelfarm_index_requests_total} by status and representation. The Simple API
 * answers tens of thousands of requests a second; every counter it increments is
 * registered once here, so that counting is an array look-up rather than a registry
 * search that builds a meter id per request.
 */
final class AnswerCounters {

	private static final int[] STATUSES = { 200, 301, 304, 404, 406 };

	private static final String[] REPRESENTATIONS = { "json", "html", "none" };

	private final MeterRegistry meters;

	private final Counter[][] counters = new Counter[STATUSES.length][REPRESENTATIONS.length];

	AnswerCounters(MeterRegistry meters) {
		this.meters = meters;
		for (int status = 0; status < STATUSES.length; status++) {
			for (int representation = 0; representation < REPRESENTATIONS.length; representation++) {
				this.counters[status][representation] = counter(STATUSES[status], REPRESENTATIONS[representation]);
			}
		}
	}

	void count(int status, String representation) {
		int row = indexOf(status);
		int column = indexOf(representation);
		Counter counter = (row >= 0 && column >= 0) ? this.counters[row][column] : counter(status, representation);
		counter.increment();
	}

	private static int indexOf(int status) {
		for (int i = 0; i < STATUSES.length; i++) {
			if (STATUSES[i] == status) {
				return i;
			}
		}
		return -1;
	}

	private static int indexOf(String representation) {
		for (int i = 0; i < REPRESENTATIONS.length; i++) {
			if (REPRESENTATIONS[i].equals(representation)) {
				return i;
			}
		}
		return -1;
	}

	private Counter counter(int status, String representation) {
		return this.meters.counter("wheelfarm.index.requests", "status", Integer.toString(status), "representation",
				representation);
	}

}
