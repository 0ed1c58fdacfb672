package dev.wheelfarm.database;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * An orchestrator killed with {@code kill -9} leaves its PostgreSQL running on the data
 * directory. The next start must take the cluster back instead of failing on the lock;
 * but a server whose process still lives is never stopped.
 */
class OrphanedPostmasterTest {

	@TempDir
	Path dataDir;

	@Test
	void aPostmasterLeftByAKilledProcessIsStoppedAndItsDataKept() throws Exception {
		Path cluster = this.dataDir.resolve("postgres");
		Process child = new ProcessBuilder(List.of(javaBinary(), "-cp", System.getProperty("java.class.path"),
				AbandoningMain.class.getName(), cluster.toString()))
			// Into a file: the child's output on the test JVM's own streams would corrupt
			// Surefire's channel.
			.redirectErrorStream(true)
			.redirectOutput(this.dataDir.resolve("child.log").toFile())
			.start();
		assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
		assertThat(child.exitValue()).isEqualTo(0);
		long orphanPid = Long.parseLong(Files.readAllLines(cluster.resolve("postmaster.pid")).get(0).strip());
		assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive)).as("the orphan outlived its JVM")
			.contains(true);

		try (DataDirectoryLock lock = DataDirectoryLock.acquire(this.dataDir);
				EmbeddedPostgresServer server = EmbeddedPostgresServer.start(lock)) {
			JdbcTemplate jdbc = new JdbcTemplate(server.getPostgresDatabase());
			assertThat(jdbc.queryForObject("SELECT note FROM left_behind", String.class)).isEqualTo("still here");
		}
		assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
	}

	@Test
	void aPostmasterWhoseProcessStillRunsIsLeftAlone() throws Exception {
		// An earlier version's farm, which took no data directory lock, still running in
		// a JVM of its own: zonky's lock in the cluster says that JVM is alive.
		Path cluster = this.dataDir.resolve("postgres");
		Process earlier = new ProcessBuilder(List.of(javaBinary(), "-cp", System.getProperty("java.class.path"),
				RunningMain.class.getName(), cluster.toString()))
			.redirectError(this.dataDir.resolve("earlier.log").toFile())
			.start();
		try {
			BufferedReader output = new BufferedReader(new InputStreamReader(earlier.getInputStream()));
			String line = output.readLine();
			while (line != null && !line.equals("running")) {
				// zonky's log lines, on the same stream.
				line = output.readLine();
			}
			assertThat(line).as("the earlier farm's server started").isEqualTo("running");
			long pid = Long.parseLong(Files.readAllLines(cluster.resolve("postmaster.pid")).get(0).strip());
			try (DataDirectoryLock lock = DataDirectoryLock.acquire(this.dataDir)) {
				assertThatExceptionOfType(DataDirectoryInUseException.class)
					.isThrownBy(() -> EmbeddedPostgresServer.start(lock))
					.withMessageContaining("pid " + pid);
			}
			assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the running server").contains(true);
		}
		finally {
			// SIGTERM: zonky's shutdown hook stops its server.
			earlier.destroy();
			assertThat(earlier.waitFor(60, TimeUnit.SECONDS)).isTrue();
		}
	}

	private static String javaBinary() {
		return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
	}

	/** Starts PostgreSQL on a cluster, says so, and runs until it is stopped. */
	public static final class RunningMain {

		public static void main(String[] args) throws Exception {
			EmbeddedPostgres.builder().setDataDirectory(Path.of(args[0])).setCleanDataDirectory(false).start();
			System.out.println("running");
			System.out.flush();
			new java.util.concurrent.CountDownLatch(1).await();
		}

	}

	/** Starts PostgreSQL on a cluster, writes a row, and dies the way kill -9 would. */
	public static final class AbandoningMain {

		public static void main(String[] args) throws Exception {
			EmbeddedPostgres postgres = EmbeddedPostgres.builder()
				.setDataDirectory(Path.of(args[0]))
				.setCleanDataDirectory(false)
				.start();
			new JdbcTemplate(postgres.getPostgresDatabase())
				.execute("CREATE TABLE left_behind AS SELECT 'still here'::text AS note");
			// halt skips shutdown hooks, exactly like a SIGKILL: the postmaster is left
			// behind.
			Runtime.getRuntime().halt(0);
		}

	}

}
