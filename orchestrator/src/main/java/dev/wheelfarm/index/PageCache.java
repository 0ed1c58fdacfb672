package dev.wheelfarm.index;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.wheelfarm.artifacts.WheelsPublished;
import dev.wheelfarm.shared.ProjectName;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Rendered pages kept for {@code wheelfarm.index.page-cache-ttl}, so that a busy project
 * costs one render per TTL rather than one per request. New wheels evict their project at
 * once; PyPI's changes (written by the watcher) show after at most one TTL, which is kept
 * far below a watch cycle. Only hosted projects are cached: a scan of made-up names
 * cannot grow the cache.
 */
@Component
class PageCache {

	private static final String ROOT = "";

	private final IndexPages pages;

	private final long ttlNanos;

	private final Map<String, Entry> entries = new ConcurrentHashMap<>();

	PageCache(IndexPages pages, IndexProperties properties) {
		this.pages = pages;
		this.ttlNanos = properties.pageCacheTtl().toNanos();
	}

	RenderedPage root() {
		Entry entry = this.entries.get(ROOT);
		if (fresh(entry)) {
			return entry.page();
		}
		RenderedPage page = this.pages.root();
		keep(ROOT, page);
		return page;
	}

	Optional<RenderedPage> project(ProjectName name) {
		Entry entry = this.entries.get(name.value());
		if (fresh(entry)) {
			return Optional.of(entry.page());
		}
		Optional<RenderedPage> page = this.pages.project(name);
		if (page.isPresent()) {
			keep(name.value(), page.get());
		}
		else {
			this.entries.remove(name.value());
		}
		return page;
	}

	@EventListener
	void on(WheelsPublished event) {
		this.entries.remove(event.project().value());
		this.entries.remove(ROOT);
	}

	/** Forgets everything, e.g. after an operator changed rows by hand. */
	void clear() {
		this.entries.clear();
	}

	private void keep(String key, RenderedPage page) {
		if (this.ttlNanos > 0) {
			this.entries.put(key, new Entry(page, System.nanoTime() + this.ttlNanos));
		}
	}

	private static boolean fresh(Entry entry) {
		return entry != null && System.nanoTime() - entry.expiresAt() < 0;
	}

	private record Entry(RenderedPage page, long expiresAt) {

	}

}
