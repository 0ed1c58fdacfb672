package dev.wheelfarm.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.wheelfarm.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What docs/operators.md ("Where settings are read from") tells operators, checked on a
 * real process: the farm reads {@code application.properties} from the working directory
 * it is started in, and {@code ./config/application.properties} wins over it.
 */
class ConfigFileLocationTest {

	@TempDir
	Path workingDirectory;

	@Test
	void applicationPropertiesAreReadFromTheWorkingDirectoryAndItsConfigSubdirectory() throws Exception {
		int port = freePort();
		TestDatabase.Coordinates database = TestDatabase.freshDatabase();
		Files.writeString(this.workingDirectory.resolve("application.properties"),
				String.join("\n", "server.port=" + port, "wheelfarm.requests.per-client=5",
						"wheelfarm.data-dir=" + this.workingDirectory.resolve("farm-data"), ""));
		Files.createDirectories(this.workingDirectory.resolve("config"));
		Files.writeString(this.workingDirectory.resolve("config/application.properties"),
				"wheelfarm.requests.per-client=1\n");
		List<String> command = new ArrayList<>(
				List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
						"-XX:TieredStopAtLevel=1", "-cp",
						System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
						"dev.wheelfarm.WheelfarmApplication"));
		database.springProperties().forEach((key, value) -> command.add("--" + key + "=" + value));
		command.addAll(List.of("--wheelfarm.pypi.watch-enabled=false", "--wheelfarm.optin.resync-enabled=false",
				"--wheelfarm.dispatch.enabled=false", "--wheelfarm.retention.enabled=false"));
		Process process = new ProcessBuilder(command).directory(this.workingDirectory.toFile())
			.redirectErrorStream(true)
			.start();
		try {
			assertThat(started(process)).as("the farm started and said so").isTrue();
			HttpClient http = HttpClient.newHttpClient();
			HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/requests"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"project\":\"nobody\",\"version\":\"1.0\"}"))
				.build();
			// It listens on ./application.properties' port...
			assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
			// ...and ./config/application.properties' limit of one request won.
			assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(429);
		}
		finally {
			process.destroy();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
			}
		}
	}

	/** Reads the process's log until it says it started, or ends. */
	private static boolean started(Process process) throws Exception {
		BufferedReader log = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
		CompletableFuture<Boolean> started = CompletableFuture.supplyAsync(() -> {
			try {
				for (String line = log.readLine(); line != null; line = log.readLine()) {
					if (line.contains("Started WheelfarmApplication")) {
						return true;
					}
				}
				return false;
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		});
		boolean answer = started.get(180, TimeUnit.SECONDS);
		// Keep reading so the child never blocks on a full pipe.
		CompletableFuture.runAsync(() -> drain(log));
		return answer;
	}

	private static void drain(BufferedReader log) {
		try (log) {
			while (log.readLine() != null) {
				// Nothing to keep.
			}
		}
		catch (IOException ex) {
			// The process ended; nothing left to read.
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
