package dev.wheelfarm.dispatch.local;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Serves sdists on 127.0.0.1 the way a CDN would, including the 404s a CDN gives for a
 * file that was uploaded a moment ago.
 */
public final class SdistServer implements AutoCloseable {

	private final HttpServer server;

	private final Map<String, byte[]> files = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> notYet = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

	public SdistServer() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", this::handle);
		this.server.start();
	}

	/**
	 * Serves {@code bytes} at {@code /packages/<name>}, after {@code missingFirst} 404s.
	 */
	public URI publish(String name, byte[] bytes, int missingFirst) {
		String path = "/packages/" + name;
		this.files.put(path, bytes);
		this.notYet.put(path, new AtomicInteger(missingFirst));
		return url(name);
	}

	public URI url(String name) {
		return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/packages/" + name);
	}

	public int requestCount(String name) {
		AtomicInteger count = this.requests.get("/packages/" + name);
		return (count != null) ? count.get() : 0;
	}

	private void handle(HttpExchange exchange) throws IOException {
		String path = exchange.getRequestURI().getPath();
		this.requests.computeIfAbsent(path, (key) -> new AtomicInteger()).incrementAndGet();
		byte[] body = this.files.get(path);
		AtomicInteger missing = this.notYet.get(path);
		if (body == null || (missing != null && missing.getAndDecrement() > 0)) {
			exchange.sendResponseHeaders(404, -1);
			exchange.close();
			return;
		}
		exchange.getResponseHeaders().set("Content-Type", "application/gzip");
		exchange.sendResponseHeaders(200, body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
