package dev.wheelfarm.status;

/**
 * Which page of a list to read: 1-based page number and page size, both clamped to what a
 * list can answer (a size of 0 or 10,000 is a caller's mistake, not a reason to read the
 * whole table).
 *
 * @param page the page, from 1
 * @param size rows per page, 1 to {@link #MAX_SIZE}
 */
public record Paging(int page, int size) {

	/** The page size of the pages and of the API when none is asked for. */
	public static final int DEFAULT_SIZE = 50;

	/** The largest page anyone may ask for. */
	public static final int MAX_SIZE = 200;

	public Paging {
		page = Math.max(1, page);
		size = Math.min(MAX_SIZE, Math.max(1, size));
	}

	/** The first page of the default size. */
	public static Paging first() {
		return new Paging(1, DEFAULT_SIZE);
	}

	/** The rows to skip before this page. */
	public long offset() {
		return (long) (this.page - 1) * this.size;
	}

}
