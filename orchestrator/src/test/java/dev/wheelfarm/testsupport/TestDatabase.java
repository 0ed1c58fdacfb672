package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A real PostgreSQL for tests, never an imitation. In order of preference: the server
 * named by {@code WHEELFARM_TEST_JDBC_URL} (CI points it at the machine's own server), a
 * Testcontainers PostgreSQL when a Docker daemon answers, or a zonky embedded PostgreSQL.
 * Every caller gets a database of its own, dropped when the test JVM ends, so tests never
 * see each other's rows.
 */
public final class TestDatabase {

	private static final Logger logger = LoggerFactory.getLogger(TestDatabase.class);

	private static final Pattern JDBC_URL = Pattern.compile("^(jdbc:postgresql://[^/?]+/)([^?]*)(\\?.*)?$");

	private static final Server SERVER = Server.locate();

	private static final List<String> created = new CopyOnWriteArrayList<>();

	/** Connections dropping databases at once when the JVM ends. */
	private static final int DROPPERS = 8;

	/**
	 * How long the JVM's end waits for the drops: under the 30 s Surefire gives the fork
	 * to exit, with room for the other shutdown hooks that run beside this one.
	 */
	private static final Duration DROP_LIMIT = Duration.ofSeconds(20);

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(TestDatabase::dropCreated, "test-database-cleanup"));
	}

	private TestDatabase() {
	}

	/** Where a test's database lives and how to log in. */
	public record Coordinates(String jdbcUrl, String username, String password) {

		public Connection connect() throws SQLException {
			return DriverManager.getConnection(this.jdbcUrl, credentials(this.username, this.password));
		}

		/**
		 * The {@code spring.datasource.*} properties that point an application here.
		 */
		public Map<String, String> springProperties() {
			Map<String, String> properties = new java.util.LinkedHashMap<>();
			properties.put("spring.datasource.url", this.jdbcUrl);
			if (this.username != null) {
				properties.put("spring.datasource.username", this.username);
			}
			if (this.password != null) {
				properties.put("spring.datasource.password", this.password);
			}
			return properties;
		}

		/** Runs every migration on this database. */
		public Coordinates migrate() {
			Flyway.configure()
				.dataSource(this.jdbcUrl, this.username, this.password)
				.locations("classpath:db/migration")
				.load()
				.migrate();
			return this;
		}

		/** A connection pool of {@code size} on this database; the caller closes it. */
		public HikariDataSource pool(int size) {
			HikariDataSource pool = new HikariDataSource();
			pool.setJdbcUrl(this.jdbcUrl);
			pool.setUsername(this.username);
			pool.setPassword(this.password);
			pool.setMaximumPoolSize(size);
			return pool;
		}

	}

	/** Creates an empty database on the test server. */
	public static Coordinates freshDatabase() {
		String name = "wf_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
		try (Connection admin = SERVER.admin().connect(); Statement statement = admin.createStatement()) {
			// The name is generated above from hex digits only: nothing untrusted reaches
			// this SQL.
			statement.execute("CREATE DATABASE " + name);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not create a test database on " + SERVER.description(), ex);
		}
		created.add(name);
		Coordinates admin = SERVER.admin();
		return new Coordinates(withDatabase(admin.jdbcUrl(), name), admin.username(), admin.password());
	}

	/** Which kind of server the tests use, for logs and failure messages. */
	public static String serverDescription() {
		return SERVER.description();
	}

	static String withDatabase(String jdbcUrl, String database) {
		Matcher matcher = JDBC_URL.matcher(jdbcUrl);
		if (!matcher.matches()) {
			throw new IllegalArgumentException(
					"Not a PostgreSQL JDBC URL of the form jdbc:postgresql://host:port/db?params: " + jdbcUrl);
		}
		String params = (matcher.group(3) != null) ? matcher.group(3) : "";
		return matcher.group(1) + database + params;
	}

	private static Properties credentials(String username, String password) {
		Properties properties = new Properties();
		if (username != null) {
			properties.setProperty("user", username);
		}
		if (password != null) {
			properties.setProperty("password", password);
		}
		return properties;
	}

	private static void dropCreated() {
		// Each DROP DATABASE makes PostgreSQL (up to 15) run a checkpoint, a second or
		// more on a busy machine. One after another, a whole suite's databases took
		// longer than the 30 s Surefire allows the forked JVM's exit: the fork was
		// killed ("kill self fork JVM ... after System.exit(0)"), the run waited those
		// 30 s, and the databases not yet dropped were left behind. Dropped side by side,
		// the waiting drops share checkpoints; what is not done before Surefire's limit
		// is
		// named in the log instead of being cut off silently.
		List<String> names = List.copyOf(created);
		if (!names.isEmpty()) {
			ExecutorService droppers = Executors.newFixedThreadPool(Math.min(DROPPERS, names.size()), (task) -> {
				Thread thread = new Thread(task, "test-database-drop");
				thread.setDaemon(true);
				return thread;
			});
			List<String> left = new CopyOnWriteArrayList<>(names);
			for (String name : names) {
				droppers.execute(() -> {
					if (drop(name)) {
						left.remove(name);
					}
				});
			}
			droppers.shutdown();
			try {
				if (!droppers.awaitTermination(DROP_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
					logger.warn("Test databases not dropped within {} on {}: {}", DROP_LIMIT, SERVER.description(),
							left);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		SERVER.stop();
	}

	private static boolean drop(String name) {
		try (Connection admin = SERVER.admin().connect(); Statement statement = admin.createStatement()) {
			// The name was generated by freshDatabase from hex digits only.
			statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
			return true;
		}
		catch (SQLException ex) {
			// Only the shared CI server keeps databases after the JVM; say which are
			// left.
			logger.warn("Could not drop test database {} on {}: {}", name, SERVER.description(), ex.getMessage());
			return false;
		}
	}

	private record Server(String description, Coordinates admin, Runnable stopper) {

		static Server locate() {
			String url = System.getenv("WHEELFARM_TEST_JDBC_URL");
			if (url != null && !url.isBlank()) {
				return new Server("WHEELFARM_TEST_JDBC_URL=" + url, new Coordinates(url,
						System.getenv("WHEELFARM_TEST_JDBC_USER"), System.getenv("WHEELFARM_TEST_JDBC_PASSWORD")),
						() -> {
						});
			}
			if (dockerAvailable()) {
				PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
				container.start();
				return new Server("Testcontainers " + container.getJdbcUrl(),
						new Coordinates(container.getJdbcUrl(), container.getUsername(), container.getPassword()),
						container::stop);
			}
			try {
				EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
				return new Server("embedded PostgreSQL on port " + postgres.getPort(),
						new Coordinates(postgres.getJdbcUrl("postgres", "postgres"), "postgres", null),
						() -> closeQuietly(postgres));
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not start an embedded PostgreSQL for the tests", ex);
			}
		}

		private static boolean dockerAvailable() {
			try {
				return DockerClientFactory.instance().isDockerAvailable();
			}
			catch (IllegalStateException ex) {
				return false;
			}
		}

		void stop() {
			this.stopper.run();
		}

		private static void closeQuietly(EmbeddedPostgres postgres) {
			try {
				postgres.close();
			}
			catch (IOException ex) {
				// The JVM is ending: a server that does not stop cleanly is only worth a
				// line.
				logger.warn("Could not stop the test PostgreSQL: {}", ex.getMessage());
			}
		}

	}

}
