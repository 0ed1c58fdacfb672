package dev.wheelfarm.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * One upstream request per key at a time: ten builds that start together and all need
 * setuptools make one download, the nine others wait for it and share its outcome
 * (success or failure). Per process: two replicas may each fetch once.
 */
final class SingleFlight<K, V> {

	private final ConcurrentMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();

	/**
	 * Runs {@code work}, or waits for the run already under way for {@code key} and calls
	 * {@code joined} after sharing its value.
	 */
	V run(K key, Supplier<V> work, Runnable joined) {
		CompletableFuture<V> mine = new CompletableFuture<>();
		CompletableFuture<V> running = this.inFlight.putIfAbsent(key, mine);
		if (running != null) {
			V value = join(running);
			joined.run();
			return value;
		}
		try {
			V value = work.get();
			mine.complete(value);
			return value;
		}
		catch (RuntimeException | Error ex) {
			// Broad on purpose and rethrown: whatever ends the work must also end the
			// wait
			// of every request that joined it, or they would wait forever.
			mine.completeExceptionally(ex);
			throw ex;
		}
		finally {
			this.inFlight.remove(key, mine);
		}
	}

	private static <V> V join(CompletableFuture<V> running) {
		try {
			return running.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (ex.getCause() instanceof Error error) {
				throw error;
			}
			throw ex;
		}
	}

}
