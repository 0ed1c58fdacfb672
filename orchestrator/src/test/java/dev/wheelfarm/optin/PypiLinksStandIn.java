package dev.wheelfarm.optin;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.json.JsonMapper;

/**
 * PyPI's JSON API for the ownership check, on 127.0.0.1: {@code /pypi/<name>/json} with
 * the {@code info.home_page} and {@code info.project_urls} a test sets, 404 for names it
 * does not know, 503 for names it is told to fail. Until the watcher's stand-in (branch
 * {@code pypi}) is in main, this small one answers the one call the check makes.
 */
final class PypiLinksStandIn implements AutoCloseable {

	private final HttpServer server;

	private final JsonMapper json = JsonMapper.builder().build();

	private final Map<String, Map<String, Object>> projects = new ConcurrentHashMap<>();

	private final Map<String, Boolean> failing = new ConcurrentHashMap<>();

	private PypiLinksStandIn() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
		this.server.createContext("/pypi/", this::handle);
		this.server.start();
	}

	static PypiLinksStandIn start() {
		try {
			return new PypiLinksStandIn();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	String baseUrl() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	/** A project whose metadata names these URLs ({@code Source} and a home page). */
	void project(String name, String source, String homePage) {
		Map<String, Object> info = new LinkedHashMap<>();
		info.put("name", name);
		info.put("home_page", homePage);
		Map<String, String> urls = new LinkedHashMap<>();
		if (source != null) {
			urls.put("Source", source);
		}
		urls.put("Documentation", "https://docs.example.org/" + name);
		info.put("project_urls", urls);
		this.projects.put(name, Map.of("info", info, "releases", Map.of(), "last_serial", 1));
		this.failing.remove(name);
	}

	void failing(String name) {
		this.failing.put(name, true);
	}

	private void handle(HttpExchange exchange) throws IOException {
		String[] segments = exchange.getRequestURI().getPath().split("/");
		String name = (segments.length == 4 && "json".equals(segments[3])) ? segments[2] : "";
		byte[] body;
		int status;
		if (this.failing.containsKey(name)) {
			status = 503;
			body = "unavailable".getBytes(StandardCharsets.UTF_8);
		}
		else if (this.projects.containsKey(name)) {
			status = 200;
			body = this.json.writeValueAsBytes(this.projects.get(name));
		}
		else {
			status = 404;
			body = "{\"message\": \"Not Found\"}".getBytes(StandardCharsets.UTF_8);
		}
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
