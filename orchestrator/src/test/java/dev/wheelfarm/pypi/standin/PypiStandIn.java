package dev.wheelfarm.pypi.standin;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A PyPI for tests on 127.0.0.1: the PEP 691 root and project pages and the JSON API,
 * generated from an in-memory model that scenarios mutate (every mutation takes a new
 * serial, as on PyPI), with ETags and 304s, 301s for non-normalized names, recorded
 * fixtures replayed at chosen paths, and faults queued per path.
 */
public final class PypiStandIn implements AutoCloseable {

	/** Where the stand-in says files live: another host, as on PyPI. */
	public static final String FILES_HOST = "https://files.standin.invalid";

	private static final String SIMPLE_JSON = "application/vnd.pypi.simple.v1+json";

	private final HttpServer server;

	private final ExecutorService executor = Executors.newFixedThreadPool(8);

	private final JsonMapper json = JsonMapper.builder().build();

	private final Map<String, Project> projects = new ConcurrentHashMap<>();

	private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();

	private final Map<String, Replay> replays = new ConcurrentHashMap<>();

	private final AtomicInteger requests = new AtomicInteger();

	private final Map<String, AtomicInteger> requestsByPath = new ConcurrentHashMap<>();

	private long serial = 1000;

	/** Real file bytes this server hosts itself, by path (see {@link Release#upload}). */
	private final Map<String, byte[]> hostedFiles = new ConcurrentHashMap<>();

	static {
		// Without TCP_NODELAY the JDK server's separate header and body writes meet the
		// client's delayed ACK: ~40 ms per response, which would swamp every timing.
		System.setProperty("sun.net.httpserver.nodelay", "true");
	}

	private PypiStandIn(int port) throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 512);
		this.server.createContext("/", this::handle);
		this.server.setExecutor(this.executor);
		this.server.start();
	}

	public static PypiStandIn start() {
		try {
			return new PypiStandIn(0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Serves a project's sdists by hand, for trying a farm without PyPI
	 * (docs/walkthrough.md): {@code PypiStandIn PORT PROJECT SOURCE_URL SDIST...}. Each
	 * {@code <name>-<version>.tar.gz} becomes an sdist-only release; {@code SOURCE_URL}
	 * is the project's "Source" link, which the opt-in's ownership check reads.
	 */
	public static void main(String[] args) throws IOException, InterruptedException {
		if (args.length < 4) {
			System.err.println("usage: PypiStandIn PORT PROJECT SOURCE_URL SDIST...");
			System.exit(2);
		}
		PypiStandIn standIn = new PypiStandIn(Integer.parseInt(args[0]));
		Project project = standIn.project(args[1]).projectUrl("Source", args[2]);
		for (int i = 3; i < args.length; i++) {
			Path sdist = Path.of(args[i]);
			String filename = sdist.getFileName().toString();
			Matcher parts = Pattern.compile("(.+)-([^-]+)\\.tar\\.gz").matcher(filename);
			if (!parts.matches() || !normalize(parts.group(1)).equals(project.normalized())) {
				throw new IllegalArgumentException(filename + " is not an sdist of " + args[1]);
			}
			String version = parts.group(2);
			project.release(version).upload(filename, Files.readAllBytes(sdist));
			System.out.println("PyPI stand-in: " + args[1] + " " + version + " (" + filename + ")");
		}
		System.out.println("PyPI stand-in listening on " + standIn.baseUrl() + "/ (Ctrl-C stops it)");
		Thread.currentThread().join();
	}

	public URI baseUrl() {
		return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort());
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	// ---- the model

	public static String normalize(String name) {
		return name.replaceAll("[-_.]+", "-").toLowerCase(Locale.ROOT);
	}

	/** The project with this name, created (with a new serial) if it does not exist. */
	public synchronized Project project(String displayName) {
		return this.projects.computeIfAbsent(normalize(displayName), (n) -> {
			Project project = new Project(displayName);
			project.touch();
			return project;
		});
	}

	public synchronized void deleteProject(String name) {
		this.projects.remove(normalize(name));
		this.serial++;
	}

	public synchronized long serial() {
		return this.serial;
	}

	// ---- faults, replays, counters

	/** Queues faults for the next requests to this path (e.g. {@code /pypi/foo/json}). */
	public void failNext(String path, Fault... queued) {
		Deque<Fault> queue = this.faults.computeIfAbsent(path, (p) -> new ArrayDeque<>());
		synchronized (queue) {
			queue.addAll(List.of(queued));
		}
	}

	/** Serves a recorded file at this path, whatever the model says. */
	public void replay(String path, int status, String contentType, Path fixture) {
		try {
			this.replays.put(path, new Replay(status, contentType, Files.readAllBytes(fixture), null));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Answers this path with a redirect, as PyPI does for non-normalized names. */
	public void redirect(String path, String location) {
		this.replays.put(path, new Replay(301, null, new byte[0], location));
	}

	/**
	 * The page the model would serve now at this path, to replay it later as a stale
	 * copy.
	 */
	public synchronized byte[] currentBody(String path) {
		String[] parts = path.split("/");
		Project project = this.projects.get(parts[2]);
		return path.startsWith("/pypi/") ? jsonApiPage(project) : simplePage(project);
	}

	public int requestCount() {
		return this.requests.get();
	}

	public int requestCount(String path) {
		AtomicInteger count = this.requestsByPath.get(path);
		return (count != null) ? count.get() : 0;
	}

	public void resetCounters() {
		this.requests.set(0);
		this.requestsByPath.clear();
	}

	private record Replay(int status, String contentType, byte[] body, String location) {

	}

	// ---- HTTP

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			String path = exchange.getRequestURI().getPath();
			this.requests.incrementAndGet();
			this.requestsByPath.computeIfAbsent(path, (p) -> new AtomicInteger()).incrementAndGet();
			Fault fault = nextFault(path);
			if (fault instanceof Fault.Slow slow) {
				// A slow server is made of real time, as the client's socket timeout it
				// trips is: the delay is the test's (longer than the farm's timeout), and
				// the test waits for the farm's time-out, never for this pause to end.
				sleep(slow.delay().toMillis());
			}
			else if (fault instanceof Fault.Status status) {
				if (status.retryAfter() != null) {
					exchange.getResponseHeaders().set("Retry-After", status.retryAfter());
				}
				send(exchange, status.code(), "text/plain", "fault".getBytes(StandardCharsets.UTF_8));
				return;
			}
			else if (fault instanceof Fault.Gzipped gzipped) {
				exchange.getResponseHeaders().set("Content-Encoding", "gzip");
				send(exchange, 200, gzipped.contentType(), gzipped.compressed());
				return;
			}
			else if (fault instanceof Fault.Body body) {
				if (body.serialHeader() >= 0) {
					exchange.getResponseHeaders().set("X-PyPI-Last-Serial", Long.toString(body.serialHeader()));
				}
				send(exchange, 200, body.contentType(), body.body());
				return;
			}
			Replay replay = this.replays.get(path);
			if (replay != null) {
				if (replay.location() != null) {
					exchange.getResponseHeaders().set("Location", replay.location());
				}
				send(exchange, replay.status(), replay.contentType(), replay.body());
				return;
			}
			byte[] hosted = this.hostedFiles.get(path);
			if (hosted != null) {
				send(exchange, 200, "application/octet-stream", hosted);
				return;
			}
			serveModel(exchange, path);
		}
	}

	private Fault nextFault(String path) {
		Deque<Fault> queue = this.faults.get(path);
		if (queue == null) {
			return null;
		}
		synchronized (queue) {
			return queue.poll();
		}
	}

	private void serveModel(HttpExchange exchange, String path) throws IOException {
		byte[] body;
		String etag;
		String type;
		long pageSerial;
		synchronized (this) {
			if (path.equals("/simple/")) {
				pageSerial = this.serial;
				etag = "\"root-" + pageSerial + "\"";
				type = SIMPLE_JSON;
				body = notModified(exchange, etag) ? null : rootPage();
			}
			else if (path.matches("^/simple/[^/]+/$") || path.matches("^/pypi/[^/]+/json$")) {
				boolean simple = path.startsWith("/simple/");
				String raw = path.split("/")[2];
				String normalized = normalize(raw);
				if (!raw.equals(normalized)) {
					exchange.getResponseHeaders()
						.set("Location", simple ? "/simple/" + normalized + "/" : "/pypi/" + normalized + "/json");
					send(exchange, 301, null, new byte[0]);
					return;
				}
				Project project = this.projects.get(normalized);
				if (project == null) {
					send(exchange, 404, "text/html", "<h1>Not Found</h1>".getBytes(StandardCharsets.UTF_8));
					return;
				}
				pageSerial = project.lastSerial;
				etag = "\"" + (simple ? "s-" : "j-") + normalized + "-" + pageSerial + "\"";
				type = simple ? SIMPLE_JSON : "application/json";
				body = notModified(exchange, etag) ? null : (simple ? simplePage(project) : jsonApiPage(project));
			}
			else {
				send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
				return;
			}
		}
		exchange.getResponseHeaders().set("ETag", etag);
		exchange.getResponseHeaders().set("X-PyPI-Last-Serial", Long.toString(pageSerial));
		if (body == null) {
			exchange.sendResponseHeaders(304, -1);
			return;
		}
		send(exchange, 200, type, body);
	}

	private static boolean notModified(HttpExchange exchange, String etag) {
		return etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"));
	}

	private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
		if (contentType != null) {
			exchange.getResponseHeaders().set("Content-Type", contentType);
		}
		exchange.sendResponseHeaders(status, (body.length == 0) ? -1 : body.length);
		if (body.length > 0) {
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	// ---- pages

	private byte[] rootPage() {
		ObjectNode root = this.json.createObjectNode();
		root.putObject("meta").put("api-version", "1.1").put("_last-serial", this.serial);
		ArrayNode list = root.putArray("projects");
		for (Project project : this.projects.values()) {
			list.addObject().put("name", project.displayName).put("_last-serial", project.lastSerial);
		}
		return this.json.writeValueAsBytes(root);
	}

	private byte[] simplePage(Project project) {
		ObjectNode page = this.json.createObjectNode();
		page.putObject("meta").put("api-version", "1.1").put("_last-serial", project.lastSerial);
		page.put("name", project.normalized());
		ArrayNode files = page.putArray("files");
		ArrayNode versions = page.putArray("versions");
		for (Release release : project.releases.values()) {
			versions.add(release.version);
			for (File file : release.files.values()) {
				ObjectNode node = files.addObject();
				node.put("filename", file.filename).put("url", file.url());
				node.putObject("hashes").put("sha256", file.sha256());
				node.put("requires-python", file.requiresPython).put("size", file.size);
				node.put("upload-time", file.uploadTime.toString());
				if (file.yankedReason != null) {
					node.put("yanked", file.yankedReason);
				}
				else {
					node.put("yanked", file.yanked);
				}
			}
		}
		return this.json.writeValueAsBytes(page);
	}

	private byte[] jsonApiPage(Project project) {
		ObjectNode page = this.json.createObjectNode();
		ObjectNode info = page.putObject("info");
		info.put("name", project.displayName);
		info.put("home_page", project.homePage);
		ObjectNode urls = info.putObject("project_urls");
		project.projectUrls.forEach(urls::put);
		info.put("version", project.releases.isEmpty() ? null
				: List.copyOf(project.releases.keySet()).get(project.releases.size() - 1));
		page.put("last_serial", project.lastSerial);
		ObjectNode releases = page.putObject("releases");
		for (Release release : project.releases.values()) {
			ArrayNode files = releases.putArray(release.version);
			for (File file : release.files.values()) {
				ObjectNode node = files.addObject();
				node.put("filename", file.filename);
				node.put("packagetype", file.filename.endsWith(".whl") ? "bdist_wheel" : "sdist");
				node.putObject("digests").put("sha256", file.sha256());
				node.put("size", file.size).put("url", file.url()).put("requires_python", file.requiresPython);
				node.put("upload_time_iso_8601", file.uploadTime.toString());
				node.put("yanked", file.yanked).put("yanked_reason", file.yankedReason);
			}
		}
		page.putArray("urls");
		return this.json.writeValueAsBytes(page);
	}

	// ---- model classes

	/** A project on the stand-in; every change takes a new serial. */
	public final class Project {

		private final String displayName;

		private final Map<String, Release> releases = new LinkedHashMap<>();

		private final Map<String, String> projectUrls = new LinkedHashMap<>();

		private String homePage;

		private long lastSerial;

		Project(String displayName) {
			this.displayName = displayName;
		}

		String normalized() {
			return normalize(this.displayName);
		}

		void touch() {
			synchronized (PypiStandIn.this) {
				PypiStandIn.this.serial++;
				this.lastSerial = PypiStandIn.this.serial;
			}
		}

		public long lastSerial() {
			return this.lastSerial;
		}

		/**
		 * Names this URL among the project's links ({@code info.project_urls}), as a
		 * maintainer's {@code [project.urls]} does: what the opt-in's ownership check
		 * reads.
		 */
		public Project projectUrl(String label, String url) {
			synchronized (PypiStandIn.this) {
				this.projectUrls.put(label, url);
				touch();
			}
			return this;
		}

		/** The project's home page ({@code info.home_page}). */
		public Project homePage(String url) {
			synchronized (PypiStandIn.this) {
				this.homePage = url;
				touch();
			}
			return this;
		}

		/** A release with an sdist only (the farm's case). */
		public Project sdistOnly(String version) {
			release(version).sdist();
			return this;
		}

		/** A release with an sdist and a pure wheel (nothing to build). */
		public Project withWheel(String version) {
			release(version).sdist().wheel("py3-none-any");
			return this;
		}

		public Release release(String version) {
			synchronized (PypiStandIn.this) {
				Release release = this.releases.computeIfAbsent(version, (v) -> new Release(this, v));
				touch();
				return release;
			}
		}

		public void deleteRelease(String version) {
			synchronized (PypiStandIn.this) {
				this.releases.remove(version);
				touch();
			}
		}

	}

	/** A release on the stand-in. */
	public final class Release {

		private final Project project;

		private final String version;

		private final Map<String, File> files = new LinkedHashMap<>();

		Release(Project project, String version) {
			this.project = project;
			this.version = version;
		}

		private String stem() {
			return this.project.normalized().replace('-', '_') + "-" + this.version;
		}

		public Release sdist() {
			return add(stem() + ".tar.gz");
		}

		public Release wheel(String tags) {
			return add(stem() + "-" + tags + ".whl");
		}

		public Release add(String filename) {
			synchronized (PypiStandIn.this) {
				this.files.put(filename, new File(filename));
				this.project.touch();
			}
			return this;
		}

		/**
		 * A real file (e.g. a buildable sdist) with its true hash and size, downloadable
		 * from this server, for tests that build what they discover.
		 */
		public Release upload(String filename, byte[] bytes) {
			synchronized (PypiStandIn.this) {
				File file = new File(filename, bytes, baseUrl());
				PypiStandIn.this.hostedFiles.put(java.net.URI.create(file.url()).getPath(), bytes.clone());
				this.files.put(filename, file);
				this.project.touch();
			}
			return this;
		}

		public Release yank(String reason) {
			synchronized (PypiStandIn.this) {
				this.files.values().forEach((f) -> {
					f.yanked = true;
					f.yankedReason = reason;
				});
				this.project.touch();
			}
			return this;
		}

		public Release unyank() {
			synchronized (PypiStandIn.this) {
				this.files.values().forEach((f) -> {
					f.yanked = false;
					f.yankedReason = null;
				});
				this.project.touch();
			}
			return this;
		}

		public Release deleteFile(String filename) {
			synchronized (PypiStandIn.this) {
				this.files.remove(filename);
				this.project.touch();
			}
			return this;
		}

		public List<String> filenames() {
			return new ArrayList<>(this.files.keySet());
		}

		/** Where the stand-in says this file of the release is downloaded from. */
		public String url(String filename) {
			return file(filename).url();
		}

		/** The sha256 the stand-in lists for this file of the release. */
		public String sha256(String filename) {
			return file(filename).sha256();
		}

		private File file(String filename) {
			synchronized (PypiStandIn.this) {
				File file = this.files.get(filename);
				if (file == null) {
					throw new IllegalArgumentException(filename + " is not a file of " + this.version);
				}
				return file;
			}
		}

	}

	/**
	 * A file on the stand-in; its hash is derived from its name so tests can predict it.
	 */
	static final class File {

		final String filename;

		final long size;

		final Instant uploadTime = Instant.parse("2026-01-02T03:04:05.123456Z");

		final String requiresPython = ">=3.9";

		boolean yanked;

		String yankedReason;

		private final String sha256;

		private final String host;

		File(String filename) {
			this.filename = filename;
			this.size = 1000 + filename.length();
			this.sha256 = sha256Of(filename);
			this.host = FILES_HOST;
		}

		File(String filename, byte[] bytes, URI host) {
			this.filename = filename;
			this.size = bytes.length;
			this.sha256 = dev.wheelfarm.shared.Sha256.digest(bytes).hex();
			this.host = host.toString();
		}

		String sha256() {
			return this.sha256;
		}

		String url() {
			return this.host + "/packages/" + sha256().substring(0, 2) + "/" + this.filename;
		}

	}

	/** The sha256 the stand-in gives a file of this name. */
	public static String sha256Of(String filename) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(filename.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
