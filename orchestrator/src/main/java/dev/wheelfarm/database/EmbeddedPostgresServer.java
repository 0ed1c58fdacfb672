package dev.wheelfarm.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the zonky binaries, with its cluster in a directory
 * that outlives the process. The cluster is created on first use and reused afterwards,
 * so a restart keeps every build, release and wheel record. It listens on loopback only
 * and asks every client for the password kept in the data directory.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

	private static final Duration STARTUP_WAIT = Duration.ofSeconds(30);

	private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(15);

	private static final String ZONKY_LOCK = "epg-lock";

	private final EmbeddedPostgres postgres;

	private final String password;

	private EmbeddedPostgresServer(EmbeddedPostgres postgres, String password) {
		this.postgres = postgres;
		this.password = password;
	}

	/**
	 * Starts PostgreSQL on a free loopback port over the cluster in
	 * {@code <data-dir>/postgres}, with password authentication.
	 * @param lock this process's lock on the data directory: only its holder may take
	 * over a postmaster left behind there
	 * @return the running server
	 */
	public static EmbeddedPostgresServer start(DataDirectoryLock lock) {
		if (!lock.isHeld()) {
			throw new IllegalStateException("The lock on " + lock.directory() + " was released");
		}
		Path clusterDir = lock.directory().resolve(DataDirectoryProperties.EMBEDDED_POSTGRES);
		try {
			Files.createDirectories(clusterDir);
			stopOrphanedPostmaster(clusterDir);
			PasswordFile password = PasswordFile.in(lock.directory());
			boolean existing = Files.exists(clusterDir.resolve("postgresql.conf"));
			// A cluster made by an earlier version trusts every local user: it is started
			// as it is, given the password, and then closed to everyone without it.
			boolean trusting = existing && !HostBasedAuthentication.isWritten(clusterDir);
			logger.info("{} embedded PostgreSQL cluster in {}", existing ? "Reusing" : "Creating", clusterDir);
			EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
				.setDataDirectory(clusterDir)
				.setCleanDataDirectory(false)
				.setPGStartupWait(STARTUP_WAIT)
				.setServerConfig("listen_addresses", "127.0.0.1")
				.setServerConfig("password_encryption", "scram-sha-256")
				.setConnectConfig("password", password.password())
				.setDataDirectoryCustomizer((directory) -> {
					if (!trusting) {
						HostBasedAuthentication.write(clusterDir);
					}
				});
			if (!existing) {
				// zonky passes its "locale config" to initdb as --key=value: the
				// superuser
				// gets its password when the cluster is made, before any server runs.
				builder.setLocaleConfig("pwfile", password.path().toString());
				// initdb takes its locale from LANG/LC_* by default and refuses to make a
				// cluster when the system lacks that locale (a container with
				// LANG=en_US.UTF-8 and no locales generated), which stopped the farm's
				// very first start. The farm's own database needs no national locale:
				// C for every category (byte order, English messages) and PostgreSQL's
				// built-in C.UTF-8 for case mapping, which depend on nothing the
				// system has installed and sort the same on every machine.
				builder.setLocaleConfig("locale", "C");
				builder.setLocaleConfig("locale-provider", "builtin");
				builder.setLocaleConfig("builtin-locale", "C.UTF-8");
			}
			EmbeddedPostgres postgres = builder.start();
			EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres, password.password());
			if (trusting) {
				server.requirePassword(clusterDir);
			}
			logger.info("Embedded PostgreSQL is listening on 127.0.0.1:{}", postgres.getPort());
			return server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + clusterDir, ex);
		}
	}

	/**
	 * Upgrades a cluster made with {@code trust} by an earlier version: sets the
	 * superuser's password (hashed by the driver, so the server never logs it), then
	 * replaces {@code pg_hba.conf} and reloads it. Repeated safely if interrupted.
	 */
	private void requirePassword(Path clusterDir) {
		try (Connection connection = this.postgres.getPostgresDatabase().getConnection()) {
			connection.unwrap(PGConnection.class)
				.alterUserPassword("postgres", this.password.toCharArray(), "scram-sha-256");
			HostBasedAuthentication.write(clusterDir);
			try (Statement statement = connection.createStatement()) {
				statement.execute("SELECT pg_reload_conf()");
			}
			logger.info("The embedded PostgreSQL in {} trusted every local user; it now requires the password",
					clusterDir);
		}
		catch (SQLException ex) {
			close();
			throw new IllegalStateException("Could not set a password on the embedded PostgreSQL in " + clusterDir, ex);
		}
	}

	/**
	 * A postmaster whose orchestrator was killed (kill -9, a lost container) keeps
	 * running and holds the cluster's lock; without stopping it the next start could
	 * never open the data. Called only with the data directory's lock held, so no farm of
	 * this version owns it; the lock zonky keeps in the cluster ({@code epg-lock}) says
	 * whether a JVM of an earlier version still does. PostgreSQL itself ignores a pid
	 * file whose process is gone, so only a live one matters.
	 */
	static void stopOrphanedPostmaster(Path clusterDir) throws IOException {
		Optional<ProcessHandle> orphan = livePostmaster(clusterDir);
		if (orphan.isEmpty()) {
			return;
		}
		ProcessHandle postmaster = orphan.get();
		if (ownerIsAlive(clusterDir)) {
			throw new DataDirectoryInUseException(clusterDir.getParent(), "its PostgreSQL, pid " + postmaster.pid()
					+ ", belongs to a live process that holds " + clusterDir.resolve(ZONKY_LOCK));
		}
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

	/**
	 * zonky locks {@code epg-lock} in the cluster for as long as its JVM runs the server;
	 * the kernel drops the lock when that JVM dies.
	 */
	private static boolean ownerIsAlive(Path clusterDir) throws IOException {
		Path lockFile = clusterDir.resolve(ZONKY_LOCK);
		if (!Files.exists(lockFile)) {
			return false;
		}
		try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
			FileLock lock = channel.tryLock();
			if (lock == null) {
				return true;
			}
			lock.release();
			return false;
		}
		catch (OverlappingFileLockException ex) {
			// This very JVM runs that server outside the farm's own lock: alive.
			return true;
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

	/** The superuser's password, which every connection must give. */
	public String getPassword() {
		return this.password;
	}

	/** A JDBC URL for the server's default database (without the password). */
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
