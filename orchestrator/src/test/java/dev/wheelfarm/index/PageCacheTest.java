package dev.wheelfarm.index;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.testsupport.Waiting;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A busy project costs one render per TTL, even when all its readers arrive at once. */
class PageCacheTest {

	private final AtomicInteger renders = new AtomicInteger();

	/**
	 * The cache's monotonic clock, moved by the tests instead of waiting for a page to go
	 * stale.
	 */
	private final AtomicLong nanoTime = new AtomicLong();

	/**
	 * While set, a render waits for it to open: the readers that arrive meanwhile are
	 * what the cache must not render for again.
	 */
	private volatile CountDownLatch renderGate;

	/**
	 * Pages whose render takes as long as the test says, as a 300-file project's does.
	 */
	private final IndexPages slowPages = new IndexPages(null, null) {

		@Override
		Optional<RenderedPage> project(ProjectName name) {
			if (name.value().equals("unknown")) {
				return Optional.empty();
			}
			int render = PageCacheTest.this.renders.incrementAndGet();
			awaitGate();
			byte[] body = ("render " + render).getBytes(StandardCharsets.UTF_8);
			return Optional.of(new RenderedPage(body, body));
		}

	};

	private PageCache cache(Duration ttl) {
		return new PageCache(this.slowPages,
				new IndexProperties("", null, Duration.ofMinutes(1), ttl, Duration.ofSeconds(60)), this.nanoTime::get);
	}

	@Test
	void concurrentReadersOfAColdOrStalePageShareOneRender() throws Exception {
		PageCache cache = cache(Duration.ofMillis(200));
		assertThat(readAllAtOnce(cache, 50)).containsOnly("render 1");
		assertThat(this.renders).hasValue(1);

		this.nanoTime.addAndGet(Duration.ofMillis(250).toNanos());
		List<String> afterExpiry = readAllAtOnce(cache, 50);
		assertThat(this.renders).as("one re-render for 50 readers").hasValue(2);
		assertThat(afterExpiry).as("the others were served the stale page meanwhile")
			.containsOnly("render 1", "render 2");
		assertThat(cache.project(ProjectName.of("busy")).map(this::text)).contains("render 2");
	}

	@Test
	void unknownNamesAreNeverCachedAndAZeroTtlRendersEveryTime() {
		PageCache cache = cache(Duration.ofMillis(200));
		assertThat(cache.project(ProjectName.of("unknown"))).isEmpty();
		PageCache uncached = cache(Duration.ZERO);
		uncached.project(ProjectName.of("busy"));
		uncached.project(ProjectName.of("busy"));
		assertThat(this.renders).hasValue(2);
	}

	@Test
	void theRequestedNameFindsOnlyPagesAlreadyCachedUnderExactlyThatName() {
		PageCache cache = cache(Duration.ofMillis(200));
		assertThat(cache.cachedProject("busy")).as("nothing is cached yet").isEmpty();
		assertThat(this.renders).hasValue(0);

		cache.project(ProjectName.of("busy"));
		assertThat(cache.cachedProject("busy").map(this::text)).contains("render 1");
		// Other spellings of a cached name must go the slow way (and be redirected).
		assertThat(cache.cachedProject("Busy")).isEmpty();
		assertThat(cache.cachedProject("")).as("the root page is not a project").isEmpty();

		this.nanoTime.addAndGet(Duration.ofMillis(250).toNanos());
		assertThat(cache.cachedProject("busy").map(this::text)).as("a stale hit re-renders like any other")
			.contains("render 2");
	}

	/**
	 * Lets {@code readers} threads ask for the page at once, and lets a render finish
	 * only once every reader was answered or waits inside the cache: so they all overlap
	 * a render, whatever the machine's speed.
	 */
	private List<String> readAllAtOnce(PageCache cache, int readers) throws Exception {
		List<Thread> threads = new CopyOnWriteArrayList<>();
		ExecutorService pool = Executors.newFixedThreadPool(readers, (task) -> {
			Thread thread = new Thread(task);
			threads.add(thread);
			return thread;
		});
		CountDownLatch start = new CountDownLatch(1);
		this.renderGate = new CountDownLatch(1);
		List<Future<String>> pages = new ArrayList<>();
		for (int i = 0; i < readers; i++) {
			pages.add(pool.submit(() -> {
				start.await();
				return cache.project(ProjectName.of("busy")).map(this::text).orElseThrow();
			}));
		}
		start.countDown();
		Waiting.until("every reader answered or waiting inside the cache", Duration.ofSeconds(30),
				() -> pages.stream().filter(Future::isDone).count()
						+ threads.stream().filter(PageCacheTest::waitsInTheCache).count(),
				(settled) -> settled == readers);
		this.renderGate.countDown();
		this.renderGate = null;
		List<String> texts = new ArrayList<>();
		for (Future<String> page : pages) {
			texts.add(page.get());
		}
		pool.shutdown();
		return texts;
	}

	private String text(RenderedPage page) {
		return new String(page.html(), StandardCharsets.UTF_8);
	}

	private void awaitGate() {
		CountDownLatch gate = this.renderGate;
		if (gate == null) {
			return;
		}
		try {
			gate.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Parked (a render's gate, or the map's lock another render holds) in the cache. */
	private static boolean waitsInTheCache(Thread thread) {
		Thread.State state = thread.getState();
		return (state == Thread.State.WAITING || state == Thread.State.BLOCKED) && Arrays.stream(thread.getStackTrace())
			.anyMatch((frame) -> frame.getClassName().equals(PageCache.class.getName()));
	}

}
