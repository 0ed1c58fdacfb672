package dev.wheelfarm.index;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.wheelfarm.artifacts.FilesRemoved;
import dev.wheelfarm.artifacts.WheelsPublished;
import dev.wheelfarm.shared.ProjectName;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Rendered pages kept for {@code wheelfarm.index.page-cache-ttl}, so that a busy project
 * costs one render per TTL rather than one per request. New wheels evict their project at
 * once; PyPI's changes (written by the watcher) show after at most one TTL, which is kept
 * far below a watch cycle. Deleted files evict their project at once too. Only hosted
 * projects are cached: a scan of made-up names cannot grow the cache.
 */
@Component
class PageCache {

	private static final String ROOT = "";

	private final IndexPages pages;

	private final long ttlNanos;

	private final LongSupplier nanoTime;

	private final Map<String, Entry> entries = new ConcurrentHashMap<>();

	@Autowired
	PageCache(IndexPages pages, IndexProperties properties) {
		this(pages, properties, System::nanoTime);
	}

	/**
	 * @param nanoTime the monotonic clock the time-to-live is read against (tests move
	 * their own instead of waiting for a page to go stale)
	 */
	PageCache(IndexPages pages, IndexProperties properties, LongSupplier nanoTime) {
		this.pages = pages;
		this.ttlNanos = properties.pageCacheTtl().toNanos();
		this.nanoTime = nanoTime;
	}

	RenderedPage root() {
		return cached(ROOT, () -> Optional.of(this.pages.root())).orElseThrow();
	}

	Optional<RenderedPage> project(ProjectName name) {
		return cached(name.value(), () -> this.pages.project(name));
	}

	/**
	 * The page of a project already in the cache, looked up by the name exactly as
	 * requested: only normalized names of hosted projects are ever keys, so a hit proves
	 * the name valid without parsing it. Empty when it is not cached (then ask
	 * {@link #project(ProjectName)}) or is no longer hosted.
	 */
	Optional<RenderedPage> cachedProject(String requestedName) {
		if (requestedName.isEmpty() || !this.entries.containsKey(requestedName)) {
			return Optional.empty();
		}
		return cached(requestedName, () -> this.pages.project(new ProjectName(requestedName)));
	}

	/**
	 * The cached page, rendered at most once per TTL however many requests arrive. When a
	 * page goes stale, the first request re-renders it while the others are still served
	 * the stale copy (for the few milliseconds a render takes): without that, every
	 * expiry made all concurrent requests render at once, and the slowest waited over a
	 * second. A page nobody has cached yet is rendered once for all concurrent askers.
	 */
	private Optional<RenderedPage> cached(String key, Supplier<Optional<RenderedPage>> render) {
		if (this.ttlNanos <= 0) {
			return render.get();
		}
		Entry entry = this.entries.get(key);
		if (entry != null) {
			if (fresh(entry) || !entry.refreshing.compareAndSet(false, true)) {
				return Optional.of(entry.page());
			}
			return store(key, render.get());
		}
		Entry created = this.entries.compute(key, (name, current) -> (current != null && fresh(current)) ? current
				: render.get().map(this::newEntry).orElse(null));
		return Optional.ofNullable(created).map(Entry::page);
	}

	private Optional<RenderedPage> store(String key, Optional<RenderedPage> page) {
		if (page.isPresent()) {
			this.entries.put(key, newEntry(page.get()));
		}
		else {
			// No longer hosted: forget it, so that made-up names never fill the cache.
			this.entries.remove(key);
		}
		return page;
	}

	private Entry newEntry(RenderedPage page) {
		return new Entry(page, this.nanoTime.getAsLong() + this.ttlNanos);
	}

	@EventListener
	void on(WheelsPublished event) {
		evict(event.project().value());
	}

	/** Deleted files leave at once: pip must never be sent to a file that is gone. */
	@EventListener
	void on(FilesRemoved event) {
		evict(event.project().value());
	}

	/**
	 * Drops a project's page and the root, e.g. when another replica says they changed
	 * ({@link PageCacheRelay}).
	 */
	void evict(String project) {
		this.entries.remove(project);
		this.entries.remove(ROOT);
	}

	/** Forgets everything, e.g. after an operator changed rows by hand. */
	void clear() {
		this.entries.clear();
	}

	private boolean fresh(Entry entry) {
		return entry != null && this.nanoTime.getAsLong() - entry.expiresAt() < 0;
	}

	private record Entry(RenderedPage page, long expiresAt, AtomicBoolean refreshing) {

		Entry(RenderedPage page, long expiresAt) {
			this(page, expiresAt, new AtomicBoolean());
		}

	}

}
