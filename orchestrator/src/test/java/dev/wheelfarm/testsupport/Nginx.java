package dev.wheelfarm.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Debian's nginx ({@code /usr/sbin/nginx}) on a free loopback port, in the foreground,
 * with every file it writes (pid, logs, temporary bodies) under a prefix directory of the
 * test's: an operator's {@code http} block, run as the current user.
 */
public final class Nginx implements AutoCloseable {

	public static final String BINARY = "/usr/sbin/nginx";

	private final Process process;

	private final int port;

	private final Path prefix;

	private Nginx(Process process, int port, Path prefix) {
		this.process = process;
		this.port = port;
		this.prefix = prefix;
	}

	/**
	 * Starts nginx with {@code http} (given the port to listen on) as the contents of its
	 * {@code http} block, after Debian's {@code mime.types} as a packaged nginx has them,
	 * and returns once it accepts connections.
	 */
	public static Nginx start(Path prefix, IntFunction<String> http) throws IOException {
		Files.createDirectories(prefix.resolve("temp"));
		int port = freePort();
		String temp = prefix.resolve("temp").toString();
		String config = """
				daemon off;
				user %s;
				worker_processes 1;
				pid %s/nginx.pid;
				error_log %s/error.log warn;
				events { worker_connections 64; }
				http {
				    include /etc/nginx/mime.types;
				    default_type application/octet-stream;
				    access_log %s/access.log;
				    client_body_temp_path %s/body;
				    proxy_temp_path %s/proxy;
				    fastcgi_temp_path %s/fastcgi;
				    uwsgi_temp_path %s/uwsgi;
				    scgi_temp_path %s/scgi;
				%s
				}
				""".formatted(System.getProperty("user.name"), prefix, prefix, prefix, temp, temp, temp, temp, temp,
				http.apply(port));
		Path file = Files.writeString(prefix.resolve("nginx.conf"), config);
		// "user" is honoured only when nginx starts as root (it then runs its worker as
		// that user instead of nobody, who cannot read a test's private directories);
		// otherwise nginx ignores it and runs as the current user anyway.
		Process process = new ProcessBuilder(BINARY, "-p", prefix.toString(), "-e",
				prefix.resolve("error.log").toString(), "-c", file.toString())
			.redirectErrorStream(true)
			.redirectOutput(prefix.resolve("stdout.log").toFile())
			.start();
		Nginx nginx = new Nginx(process, port, prefix);
		nginx.awaitListening();
		return nginx;
	}

	public String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	private void awaitListening() throws IOException {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
		while (Instant.now().isBefore(deadline)) {
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.port), 1000);
				return;
			}
			catch (IOException notYet) {
				// Not listening yet: wait for nginx a little, and fail at once if it
				// exited.
				if (waitForExit(50)) {
					throw new IllegalStateException("nginx exited with " + this.process.exitValue() + ": " + log());
				}
			}
		}
		close();
		throw new IllegalStateException("nginx did not listen on port " + this.port + " within 30 s: " + log());
	}

	private boolean waitForExit(long millis) {
		try {
			return this.process.waitFor(millis, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private String log() throws IOException {
		StringBuilder log = new StringBuilder();
		for (String name : new String[] { "stdout.log", "error.log" }) {
			Path file = this.prefix.resolve(name);
			if (Files.exists(file)) {
				log.append(Files.readString(file, StandardCharsets.UTF_8));
			}
		}
		return log.toString();
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** SIGTERM: nginx's fast shutdown, the master stops its worker. */
	@Override
	public void close() {
		this.process.destroy();
		if (!waitForExit(10_000)) {
			this.process.destroyForcibly();
		}
	}

}
