package dev.wheelfarm.dispatch.local;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the package index isolated builds install their build requirements from
 * (the farm's {@code /cache/simple/}): a PEP 503 index on 127.0.0.1 serving the real
 * wheels of build backends that Debian's {@code python3-setuptools-whl} and
 * {@code python3-wheel-whl} install under {@code /usr/share/python-wheels/}. It counts
 * requests per path, and answers 503 for the projects it is told are unavailable (what
 * the farm's cache answers for an uncached project while its upstream is down).
 */
public final class BuildDependencyIndex implements AutoCloseable {

	/** Where Debian puts the wheels (see .ci/run for the packages). */
	static final Path WHEELS = Path.of("/usr/share/python-wheels");

	private final HttpServer server;

	private final Map<String, Path> files = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

	private final Set<String> unavailable = ConcurrentHashMap.newKeySet();

	public BuildDependencyIndex() throws IOException {
		try (Stream<Path> wheels = Files.list(WHEELS)) {
			wheels.filter((path) -> path.getFileName().toString().endsWith(".whl"))
				.forEach((path) -> this.files.put(path.getFileName().toString(), path));
		}
		if (this.files.keySet().stream().noneMatch((name) -> name.startsWith("setuptools-"))) {
			throw new IllegalStateException("no setuptools wheel in " + WHEELS + ": apt-get install "
					+ "python3-setuptools-whl python3-wheel-whl");
		}
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", this::handle);
		this.server.start();
	}

	/** The index URL, as the local builder's {@code index-url} takes it. */
	public String url() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/cache/simple/";
	}

	/** From now on, requests for this project's page are answered 503. */
	public void makeUnavailable(String project) {
		this.unavailable.add(project);
	}

	/**
	 * How many requests the path got, e.g.
	 * {@code /cache/files/wheel-0.38.4-py3-none-any.whl}.
	 */
	public int requestCount(String path) {
		AtomicInteger count = this.requests.get(path);
		return (count != null) ? count.get() : 0;
	}

	/** The wheel the index serves for a project, e.g. {@code setuptools}. */
	public Path wheelOf(String project) {
		return this.files.entrySet()
			.stream()
			.filter((entry) -> normalized(entry.getKey().split("-")[0]).equals(project))
			.map(Map.Entry::getValue)
			.findFirst()
			.orElseThrow();
	}

	private void handle(HttpExchange exchange) throws IOException {
		String path = exchange.getRequestURI().getPath();
		this.requests.computeIfAbsent(path, (key) -> new AtomicInteger()).incrementAndGet();
		if (path.startsWith("/cache/simple/")) {
			String project = normalized(path.substring("/cache/simple/".length()).replace("/", ""));
			if (this.unavailable.contains(project)) {
				send(exchange, 503, "text/plain", "upstream unavailable".getBytes(StandardCharsets.UTF_8));
				return;
			}
			List<String> links = new ArrayList<>();
			for (Map.Entry<String, Path> file : this.files.entrySet()) {
				if (normalized(file.getKey().split("-")[0]).equals(project)) {
					links.add("<a href=\"../../files/%s#sha256=%s\">%s</a>".formatted(file.getKey(),
							Sdists.sha256(file.getValue()), file.getKey()));
				}
			}
			if (links.isEmpty()) {
				send(exchange, 404, "text/plain", new byte[0]);
				return;
			}
			send(exchange, 200, "text/html",
					("<!DOCTYPE html><html><body>\n" + String.join("\n", links) + "\n</body></html>\n")
						.getBytes(StandardCharsets.UTF_8));
			return;
		}
		Path file = path.startsWith("/cache/files/") ? this.files.get(path.substring("/cache/files/".length())) : null;
		if (file == null) {
			send(exchange, 404, "text/plain", new byte[0]);
			return;
		}
		send(exchange, 200, "application/octet-stream", Files.readAllBytes(file));
	}

	private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
		exchange.getResponseHeaders().set("Content-Type", type);
		exchange.sendResponseHeaders(status, (body.length == 0) ? -1 : body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	private static String normalized(String name) {
		return name.replaceAll("[-_.]+", "-").toLowerCase(Locale.ROOT);
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
