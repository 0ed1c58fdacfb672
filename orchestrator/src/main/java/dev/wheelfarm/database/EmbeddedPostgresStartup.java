package dev.wheelfarm.database;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.beans.factory.DisposableBean;

/**
 * An embedded PostgreSQL being started in the background by
 * {@link EmbeddedPostgresEarlyStart}, until the data source takes it over. Whoever takes
 * it owns it (and closes it); a startup destroyed untaken closes the server itself, so a
 * failed start-up never leaves a postmaster running on the data directory.
 */
final class EmbeddedPostgresStartup implements DisposableBean {

	static final String BEAN_NAME = "wheelfarm.embeddedPostgresStartup";

	private final Path clusterDir;

	private final CompletableFuture<EmbeddedPostgresServer> server;

	private final AtomicBoolean taken = new AtomicBoolean();

	EmbeddedPostgresStartup(Path clusterDir, CompletableFuture<EmbeddedPostgresServer> server) {
		this.clusterDir = clusterDir;
		this.server = server;
	}

	/**
	 * Waits for the server and hands it over.
	 * @param expectedClusterDir the cluster directory the caller's properties name; both
	 * were bound from the same environment, so a difference is a bug
	 * @return the running server, now owned by the caller
	 */
	EmbeddedPostgresServer take(Path expectedClusterDir) {
		if (!this.clusterDir.equals(expectedClusterDir)) {
			throw new IllegalStateException("The embedded PostgreSQL was started over " + this.clusterDir
					+ " but the data directory names " + expectedClusterDir);
		}
		if (!this.taken.compareAndSet(false, true)) {
			throw new IllegalStateException("The embedded PostgreSQL was already taken over");
		}
		try {
			return this.server.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException cause) {
				throw cause;
			}
			if (ex.getCause() instanceof Error cause) {
				throw cause;
			}
			throw ex;
		}
	}

	boolean isTaken() {
		return this.taken.get();
	}

	@Override
	public void destroy() {
		if (this.taken.compareAndSet(false, true)) {
			// Wait for a start still under way: stopping it half-way would leave the
			// cluster locked by a postmaster nobody knows about.
			EmbeddedPostgresServer server = this.server.handle((started, failure) -> started).join();
			if (server != null) {
				server.close();
			}
		}
	}

}
