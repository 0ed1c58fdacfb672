package dev.wheelfarm.e2e.faults;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Two farms on one data directory, as real processes running the real main class with the
 * README's zero configuration (the embedded PostgreSQL): the second start is refused at
 * once and changes nothing, the first keeps serving; once the first is killed with
 * {@code kill -9}, a new start takes the directory over, stops the PostgreSQL left behind
 * and keeps its data. Every connection to the embedded server needs the password kept in
 * the data directory. A first start under a locale the system does not have still makes
 * the cluster.
 */
class SecondStartTest {

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@TempDir
	Path scratch;

	@Test
	void aSecondStartIsRefusedWithoutHarmAndAStartAfterAKillTakesOver() throws Exception {
		Path dataDir = this.scratch.resolve("data");
		Map<String, String> properties = properties(dataDir);
		try (OrchestratorProcess first = OrchestratorProcess.start("first", properties)) {
			long postmaster = postmasterPid(dataDir);
			Path lockFile = dataDir.resolve("wheelfarm.lock");
			String lockBefore = Files.readString(lockFile);
			assertThat(lockBefore.strip()).as("the lock file names its holder").isEqualTo(Long.toString(first.pid()));
			Set<String> entriesBefore = entries(dataDir);

			OrchestratorProcess.Exited second = OrchestratorProcess.runToExit("second", properties,
					Duration.ofSeconds(120));
			assertThat(second.exitCode()).as(second.output()).isNotZero();
			assertThat(second.output()).as("the refusal names the directory and the process holding it")
				.contains(
						"The data directory " + dataDir + " is in use by another Wheelfarm process (pid " + first.pid())
				.contains("--wheelfarm.data-dir")
				.doesNotContain("orphaned PostgreSQL")
				.doesNotContain("Embedded PostgreSQL is listening");
			assertThat(Files.readString(lockFile)).as("the lock file after the refused start").isEqualTo(lockBefore);
			assertThat(postmasterPid(dataDir)).as("the first farm's PostgreSQL").isEqualTo(postmaster);
			assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive)).contains(true);
			assertThat(entries(dataDir)).as("the data directory's entries").isEqualTo(entriesBefore);

			// The first farm still serves, on its own database.
			HttpResponse<String> health = get(first, "/actuator/health");
			assertThat(health.statusCode()).isEqualTo(200);
			assertThat(health.body()).contains("\"status\":\"UP\"");
			assertThat(get(first, "/simple/").statusCode()).isEqualTo(200);

			// Other local users reach the port, not the data.
			assertThatExceptionOfType(SQLException.class).isThrownBy(() -> connect(dataDir, null).close())
				.withMessageContaining("password");
			try (Connection connection = connect(dataDir, password(dataDir));
					PreparedStatement insert = connection
						.prepareStatement("INSERT INTO project (name, display_name) VALUES ('survivor', 'Survivor')")) {
				insert.executeUpdate();
			}

			first.kill();
			assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive))
				.as("the killed farm's PostgreSQL, left behind")
				.contains(true);

			try (OrchestratorProcess third = OrchestratorProcess.start("third", properties)) {
				assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false))
					.as("the orphaned PostgreSQL after the next start")
					.isFalse();
				assertThat(Files.readString(lockFile).strip()).isEqualTo(Long.toString(third.pid()));
				assertThat(third.tail(400)).contains("Stopping an orphaned PostgreSQL (pid " + postmaster + ")");
				assertThat(get(third, "/actuator/health").body()).contains("\"status\":\"UP\"");
				try (Connection connection = connect(dataDir, password(dataDir));
						PreparedStatement select = connection
							.prepareStatement("SELECT display_name FROM project WHERE name = 'survivor'");
						ResultSet row = select.executeQuery()) {
					assertThat(row.next()).as("the row written before the kill").isTrue();
					assertThat(row.getString(1)).isEqualTo("Survivor");
				}
			}
		}
	}

	/**
	 * initdb takes its locale from the environment unless told otherwise, and refuses to
	 * make a cluster when the system lacks that locale: a container with
	 * {@code LANG=en_US.UTF-8} and no locales generated could not start the farm at all.
	 */
	@Test
	void aFirstStartUnderALocaleTheSystemLacksMakesAClusterInTheCLocale() throws Exception {
		Path dataDir = this.scratch.resolve("data");
		Map<String, String> environment = new java.util.HashMap<>();
		environment.put("LANG", "tlh_XX.UTF-8");
		environment.put("LC_ALL", null);
		environment.put("LC_CTYPE", null);
		environment.put("LC_MESSAGES", null);
		try (OrchestratorProcess farm = OrchestratorProcess.start("foreign-locale", properties(dataDir), environment)) {
			assertThat(get(farm, "/simple/").statusCode()).isEqualTo(200);
			try (Connection connection = connect(dataDir, password(dataDir));
					PreparedStatement query = connection
						.prepareStatement("SELECT datcollate, datctype, datlocprovider::text, datlocale, upper('é')"
								+ " FROM pg_database WHERE datname = current_database()");
					ResultSet row = query.executeQuery()) {
				assertThat(row.next()).isTrue();
				assertThat(List.of(row.getString(1), row.getString(2), row.getString(3), row.getString(4),
						row.getString(5)))
					.as("collate, ctype, provider, built-in locale, case mapping beyond ASCII")
					.containsExactly("C", "C", "b", "C.UTF-8", "É");
			}
		}
	}

	private static Map<String, String> properties(Path dataDir) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("wheelfarm.data-dir", dataDir.toString());
		// Explicitly empty: the README's zero configuration, with the embedded database.
		properties.put("spring.datasource.url", "");
		properties.put("wheelfarm.pypi.watch-enabled", "false");
		properties.put("wheelfarm.optin.resync-enabled", "false");
		properties.put("wheelfarm.retention.enabled", "false");
		return properties;
	}

	/** The first line of PostgreSQL's {@code postmaster.pid}: the server's pid. */
	private static long postmasterPid(Path dataDir) throws IOException {
		return Long.parseLong(postmasterFile(dataDir).get(0).strip());
	}

	/** Its fourth line: the port. */
	private static int port(Path dataDir) throws IOException {
		return Integer.parseInt(postmasterFile(dataDir).get(3).strip());
	}

	private static List<String> postmasterFile(Path dataDir) throws IOException {
		return Files.readAllLines(dataDir.resolve("postgres/postmaster.pid"));
	}

	private static String password(Path dataDir) throws IOException {
		return Files.readString(dataDir.resolve("postgres-password")).strip();
	}

	private static Connection connect(Path dataDir, String password) throws IOException, SQLException {
		Properties credentials = new Properties();
		credentials.setProperty("user", "postgres");
		if (password != null) {
			credentials.setProperty("password", password);
		}
		return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port(dataDir) + "/postgres", credentials);
	}

	private static Set<String> entries(Path dataDir) throws IOException {
		try (Stream<Path> list = Files.list(dataDir)) {
			return list.map((path) -> path.getFileName().toString()).collect(TreeSet::new, Set::add, Set::addAll);
		}
	}

	private static HttpResponse<String> get(OrchestratorProcess farm, String path)
			throws IOException, InterruptedException {
		return HTTP.send(HttpRequest.newBuilder(farm.uri(path)).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
