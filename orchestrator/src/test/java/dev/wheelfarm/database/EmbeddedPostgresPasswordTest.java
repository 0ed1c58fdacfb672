package dev.wheelfarm.database;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The embedded PostgreSQL listens on a loopback port every local user can reach: it must
 * ask for the password kept in the data directory, on a new cluster and on one an earlier
 * version made with {@code trust}.
 */
class EmbeddedPostgresPasswordTest {

	@TempDir
	Path dataDir;

	@Test
	void aNewClusterRefusesEveryConnectionWithoutThePassword() throws Exception {
		try (DataDirectoryLock lock = DataDirectoryLock.acquire(this.dataDir);
				EmbeddedPostgresServer server = EmbeddedPostgresServer.start(lock)) {
			Path passwordFile = this.dataDir.resolve("postgres-password");
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)))
				.isEqualTo("rw-------");
			String password = Files.readString(passwordFile).strip();
			assertThat(password).hasSize(43).isEqualTo(server.getPassword());

			assertRefused(server.getPort(), null);
			assertRefused(server.getPort(), "not-the-password");
			try (Connection connection = connect(server.getPort(), password)) {
				assertThat(connection.isValid(5)).isTrue();
			}
			assertThat(Files.readString(this.dataDir.resolve("postgres/pg_hba.conf"))).doesNotContain("trust");
		}
	}

	@Test
	void aTrustClusterOfAnEarlierVersionIsUpgradedWithItsData() throws Exception {
		Path cluster = this.dataDir.resolve("postgres");
		// What an earlier version left: zonky's initdb, trust for everyone, some data.
		try (EmbeddedPostgres earlier = EmbeddedPostgres.builder()
			.setDataDirectory(cluster)
			.setCleanDataDirectory(false)
			.start()) {
			new JdbcTemplate(earlier.getPostgresDatabase())
				.execute("CREATE TABLE kept AS SELECT 'from before the upgrade'::text AS note");
			try (Connection trusted = connect(earlier.getPort(), null)) {
				assertThat(trusted.isValid(5)).as("the earlier version trusted everyone").isTrue();
			}
		}

		for (int start = 1; start <= 2; start++) {
			try (DataDirectoryLock lock = DataDirectoryLock.acquire(this.dataDir);
					EmbeddedPostgresServer server = EmbeddedPostgresServer.start(lock)) {
				assertRefused(server.getPort(), null);
				assertThat(new JdbcTemplate(server.getPostgresDatabase()).queryForObject("SELECT note FROM kept",
						String.class))
					.as("start %d", start)
					.isEqualTo("from before the upgrade");
			}
		}
	}

	private static void assertRefused(int port, String password) {
		assertThatExceptionOfType(SQLException.class).isThrownBy(() -> connect(port, password).close())
			.withMessageContaining("password");
	}

	private static Connection connect(int port, String password) throws SQLException {
		Properties credentials = new Properties();
		credentials.setProperty("user", "postgres");
		if (password != null) {
			credentials.setProperty("password", password);
		}
		return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", credentials);
	}

}
