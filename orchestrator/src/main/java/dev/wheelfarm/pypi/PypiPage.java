package dev.wheelfarm.pypi;

/**
 * One conditional read of a PyPI page.
 *
 * @param <T> the parsed page
 * @param status what PyPI answered
 * @param content the parsed page when {@code status} is {@code OK}, else null
 * @param etag the ETag to send next time, if any
 * @param serial the page's serial (body, else {@code X-PyPI-Last-Serial}), -1 if unknown
 */
public record PypiPage<T>(Status status, T content, String etag, long serial) {

	/**
	 * The three answers a reader acts on; anything else is a {@link PypiReadException}.
	 */
	public enum Status {

		OK, NOT_MODIFIED, NOT_FOUND

	}

}
