package dev.wheelfarm.cache;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * What the cache saves and what it costs upstream (docs/operators.md "The PyPI cache"):
 * <ul>
 * <li>{@code wheelfarm.cache.hits} and {@code wheelfarm.cache.misses} by {@code kind}
 * ({@code page}, {@code file}, {@code metadata}): answered without asking upstream, or
 * not;</li>
 * <li>{@code wheelfarm.cache.upstream.requests} by {@code kind} and {@code outcome}
 * ({@code ok}, {@code not_modified}, {@code not_found}, {@code failed}, {@code refused}:
 * wrong hash or too large) and {@code wheelfarm.cache.upstream.bytes} by {@code kind}:
 * every request sent upstream and the body bytes it brought;</li>
 * <li>{@code wheelfarm.cache.stale} pages served past their time-to-live because upstream
 * could not be asked, {@code wheelfarm.cache.evictions} files the LRU sweep deleted, and
 * the gauge {@code wheelfarm.cache.size} (bytes held, as of the last store or
 * sweep).</li>
 * </ul>
 */
@Component
class CacheMetrics {

	static final String PAGE = "page";

	static final String FILE = "file";

	static final String METADATA = "metadata";

	private final MeterRegistry meters;

	private final AtomicLong size = new AtomicLong();

	CacheMetrics(MeterRegistry meters) {
		this.meters = meters;
		Gauge.builder("wheelfarm.cache.size", this.size, AtomicLong::get)
			.description("Bytes of files the PyPI cache holds")
			.baseUnit("bytes")
			.register(meters);
	}

	void hit(String kind) {
		this.meters.counter("wheelfarm.cache.hits", "kind", kind).increment();
	}

	void miss(String kind) {
		this.meters.counter("wheelfarm.cache.misses", "kind", kind).increment();
	}

	void stale() {
		this.meters.counter("wheelfarm.cache.stale").increment();
	}

	void upstream(String kind, String outcome, long bytes) {
		this.meters.counter("wheelfarm.cache.upstream.requests", "kind", kind, "outcome", outcome).increment();
		Counter.builder("wheelfarm.cache.upstream.bytes")
			.tag("kind", kind)
			.baseUnit("bytes")
			.register(this.meters)
			.increment(bytes);
	}

	void evicted(int files) {
		this.meters.counter("wheelfarm.cache.evictions").increment(files);
	}

	void size(long bytes) {
		this.size.set(bytes);
	}

}
