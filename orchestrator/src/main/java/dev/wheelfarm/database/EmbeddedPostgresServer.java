package dev.wheelfarm.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the zonky binaries, with its cluster in a directory
 * that outlives the process. The cluster is created on first use and reused afterwards,
 * so a restart keeps every build, release and wheel record.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

	private static final Duration STARTUP_WAIT = Duration.ofSeconds(30);

	private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(15);

	private final EmbeddedPostgres postgres;

	private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
		this.postgres = postgres;
	}

	/**
	 * Starts PostgreSQL on a free loopback port over the cluster in {@code clusterDir}.
	 * @param clusterDir the cluster directory, created if missing
	 * @return the running server
	 */
	public static EmbeddedPostgresServer start(Path clusterDir) {
		try {
			Files.createDirectories(clusterDir);
			stopOrphanedPostmaster(clusterDir);
			boolean existing = Files.exists(clusterDir.resolve("postgresql.conf"));
			logger.info("{} embedded PostgreSQL cluster in {}", existing ? "Reusing" : "Creating", clusterDir);
			EmbeddedPostgres postgres = EmbeddedPostgres.builder()
				.setDataDirectory(clusterDir)
				.setCleanDataDirectory(false)
				.setPGStartupWait(STARTUP_WAIT)
				.setServerConfig("listen_addresses", "127.0.0.1")
				.start();
			logger.info("Embedded PostgreSQL is listening on 127.0.0.1:{}", postgres.getPort());
			return new EmbeddedPostgresServer(postgres);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + clusterDir, ex);
		}
	}

	/**
	 * A postmaster whose orchestrator was killed (kill -9, a lost container) keeps
	 * running and holds the cluster's lock; without stopping it the next start could
	 * never open the data. PostgreSQL itself ignores a pid file whose process is gone, so
	 * only a live one matters.
	 */
	static void stopOrphanedPostmaster(Path clusterDir) throws IOException {
		Optional<ProcessHandle> orphan = livePostmaster(clusterDir);
		if (orphan.isEmpty()) {
			return;
		}
		ProcessHandle postmaster = orphan.get();
		logger.warn("Stopping an orphaned PostgreSQL (pid {}) left over in {}", postmaster.pid(), clusterDir);
		// SIGTERM is PostgreSQL's "smart" shutdown: it finishes cleanly once its clients
		// are gone.
		postmaster.destroy();
		try {
			postmaster.onExit().get(ORPHAN_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (java.util.concurrent.TimeoutException ex) {
			logger.warn("Orphaned PostgreSQL (pid {}) did not stop in {}; killing it", postmaster.pid(),
					ORPHAN_STOP_WAIT);
			postmaster.destroyForcibly();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while stopping an orphaned PostgreSQL", ex);
		}
		catch (java.util.concurrent.ExecutionException ex) {
			throw new IllegalStateException("Could not wait for an orphaned PostgreSQL to stop", ex);
		}
	}

	private static Optional<ProcessHandle> livePostmaster(Path clusterDir) throws IOException {
		Path pidFile = clusterDir.resolve("postmaster.pid");
		if (!Files.isRegularFile(pidFile)) {
			return Optional.empty();
		}
		String firstLine = Files.readAllLines(pidFile, StandardCharsets.US_ASCII).stream().findFirst().orElse("");
		long pid;
		try {
			pid = Long.parseLong(firstLine.strip());
		}
		catch (NumberFormatException ex) {
			return Optional.empty();
		}
		return ProcessHandle.of(pid)
			.filter(ProcessHandle::isAlive)
			.filter((process) -> process.info().command().map((command) -> command.endsWith("postgres")).orElse(false));
	}

	/** The superuser data source of the server's default database. */
	public DataSource getPostgresDatabase() {
		return this.postgres.getPostgresDatabase();
	}

	/** A JDBC URL for the server's default database. */
	public String getJdbcUrl() {
		return this.postgres.getJdbcUrl("postgres", "postgres");
	}

	public int getPort() {
		return this.postgres.getPort();
	}

	@Override
	public void close() {
		try {
			this.postgres.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not stop the embedded PostgreSQL", ex);
		}
	}

}
