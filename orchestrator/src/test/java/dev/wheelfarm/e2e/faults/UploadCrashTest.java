package dev.wheelfarm.e2e.faults;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The orchestrator is killed with SIGKILL while twine's upload of a large file is half
 * received, as a real process: what the upload had spooled to disk is under the data
 * directory (not {@code /tmp}, where nothing would ever remove it), and the next start
 * removes it.
 */
class UploadCrashTest {

	private static final int FILE_SIZE = 24 * 1024 * 1024;

	@TempDir
	Path scratch;

	@Test
	void anUploadCutOffByAKillLeavesNothingAfterTheNextStart() throws Exception {
		TestDatabase.Coordinates database = TestDatabase.freshDatabase().migrate();
		Path dataDir = Files.createDirectories(this.scratch.resolve("data"));
		Path inFlight = dataDir.resolve("uploads-in-flight");
		try (HikariDataSource pool = database.pool(1)) {
			JdbcClient jdbc = JdbcClient.create(pool);
			OrchestratorProcess first = OrchestratorProcess.start("upload-crash-1",
					OrchestratorProcess.baseProperties(database, dataDir));
			try (Socket upload = sendHalfAnUpload(first, inFlight, jdbc)) {
				// Killed with the upload still arriving.
				first.kill();
			}
			finally {
				first.kill();
			}
			assertThat(spooled(inFlight)).as("what the killed process left").isPositive();

			OrchestratorProcess second = OrchestratorProcess.start("upload-crash-2",
					OrchestratorProcess.baseProperties(database, dataDir));
			try {
				assertThat(files(inFlight)).as("left in " + inFlight + " after the restart").isEmpty();
				assertThat(second.tail(400)).contains("of uploads interrupted before the last start");
			}
			finally {
				second.close();
			}
		}
	}

	/**
	 * Sends the head of a large upload and half its file, and returns the connection,
	 * still open, once the farm has spooled part of it to {@code inFlight}.
	 */
	private static Socket sendHalfAnUpload(OrchestratorProcess farm, Path inFlight, JdbcClient jdbc)
			throws IOException {
		Socket socket = new Socket("127.0.0.1", farm.uri("/").getPort());
		try {
			OutputStream out = socket.getOutputStream();
			String boundary = "crash-boundary";
			String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\":action\"\r\n\r\n"
					+ "file_upload\r\n--" + boundary
					+ "\r\nContent-Disposition: form-data; name=\"content\"; filename=\"big-1.0-py3-none-any.whl\""
					+ "\r\nContent-Type: application/octet-stream\r\n\r\n";
			out.write(("POST /legacy/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary="
					+ boundary + "\r\nContent-Length: " + (head.length() + FILE_SIZE + 100) + "\r\n\r\n" + head)
				.getBytes(StandardCharsets.ISO_8859_1));
			// Half the file: more than the 1 MB the container keeps in memory.
			byte[] chunk = new byte[1024 * 1024];
			for (int i = 0; i < FILE_SIZE / chunk.length / 2; i++) {
				out.write(chunk);
			}
			out.flush();
			farm.await(() -> spooled(inFlight) > 4 * 1024 * 1024, Duration.ofSeconds(60), jdbc,
					"part of the upload spooled under " + inFlight);
			return socket;
		}
		catch (IOException | RuntimeException | AssertionError ex) {
			socket.close();
			throw ex;
		}
	}

	/** The bytes of the files under {@code directory}. */
	private static long spooled(Path directory) {
		long total = 0;
		for (Path file : files(directory)) {
			try {
				total += Files.size(file);
			}
			catch (IOException ex) {
				// Deleted between listing and sizing: it no longer counts.
			}
		}
		return total;
	}

	private static List<Path> files(Path directory) {
		if (!Files.isDirectory(directory)) {
			return List.of();
		}
		try (Stream<Path> files = Files.walk(directory)) {
			return files.filter(Files::isRegularFile).toList();
		}
		catch (IOException ex) {
			// A file vanished while walking (the farm finished with it): look again
			// later.
			return List.of();
		}
	}

}
