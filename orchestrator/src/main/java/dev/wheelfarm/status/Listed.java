package dev.wheelfarm.status;

import java.util.List;

/**
 * One page of a list and where it stands in the whole.
 *
 * @param <T> the rows' type
 * @param items the rows of this page
 * @param paging the page that was asked for
 * @param total how many rows the whole list has (with the same filter)
 */
public record Listed<T>(List<T> items, Paging paging, long total) {

	public Listed {
		items = List.copyOf(items);
	}

	/** How many pages the whole list has (at least one, possibly empty). */
	public int pages() {
		return (int) Math.max(1, (this.total + this.paging.size() - 1) / this.paging.size());
	}

	public boolean hasNext() {
		return this.paging.page() < pages();
	}

	public boolean hasPrevious() {
		return this.paging.page() > 1;
	}

}
