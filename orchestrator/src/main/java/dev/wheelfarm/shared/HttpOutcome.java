package dev.wheelfarm.shared;

/**
 * How one HTTP exchange with an upstream (PyPI, GitHub) ended, in the words the farm's
 * request metrics use as labels: an operator filters errors by {@link #outcome} and sees
 * the status class beside it.
 */
public final class HttpOutcome {

	/** The status passed for an exchange that got no answer (timeout, connection). */
	public static final int NO_ANSWER = -1;

	private HttpOutcome() {
	}

	/**
	 * {@code success}, {@code redirect}, {@code not_modified}, {@code not_found},
	 * {@code client_error}, {@code rate_limited}, {@code server_error} or
	 * {@code io_error}.
	 */
	public static String outcome(int status) {
		if (status < 0) {
			return "io_error";
		}
		if (status == 429) {
			return "rate_limited";
		}
		if (status >= 500) {
			return "server_error";
		}
		if (status == 404 || status == 410) {
			return "not_found";
		}
		if (status >= 400) {
			return "client_error";
		}
		if (status == 304) {
			return "not_modified";
		}
		return (status >= 300) ? "redirect" : "success";
	}

	/** {@code 2xx} … {@code 5xx}, or {@code none} without an answer. */
	public static String statusClass(int status) {
		return (status < 0) ? "none" : (status / 100) + "xx";
	}

}
