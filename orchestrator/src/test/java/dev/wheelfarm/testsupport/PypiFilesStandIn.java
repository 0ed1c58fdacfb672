package dev.wheelfarm.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * PyPI as the farm's PyPI cache sees it, on loopback (the watcher's stand-in,
 * {@code pypi.standin.PypiStandIn}, models pages only; this one serves real files): PEP
 * 691 JSON project pages at {@code /simple/<project>/} with an ETag (and 304 for a
 * matching {@code If-None-Match}), files at {@code /files/<filename>} and their PEP 658
 * {@code .metadata}, served from real wheel files (Debian's
 * {@code /usr/share/python-wheels/}, or wheels a test made). It counts every request and
 * every body byte per path, so a test can tell how often the cache went upstream. It can
 * also fail on purpose: answer every request with a status, hold every answer until
 * released (a timeout for the client), or send wrong bytes for one file.
 */
public final class PypiFilesStandIn implements AutoCloseable {

	/** Debian's wheels of pip, setuptools and wheel (python3-*-whl). */
	public static final Path DEBIAN_WHEELS = Path.of("/usr/share/python-wheels");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpServer server;

	private final ExecutorService threads = Executors.newCachedThreadPool();

	private final Map<String, List<Hosted>> projects = new ConcurrentHashMap<>();

	private final Map<String, Hosted> files = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

	private final Map<String, AtomicLong> bytes = new ConcurrentHashMap<>();

	private final AtomicInteger notModified = new AtomicInteger();

	private final Map<String, Boolean> corrupt = new ConcurrentHashMap<>();

	private volatile int failWith;

	private volatile CountDownLatch hold;

	public PypiFilesStandIn() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
		this.server.setExecutor(this.threads);
		this.server.createContext("/", this::handle);
		this.server.start();
	}

	/**
	 * {@code http://127.0.0.1:<port>}, what {@code wheelfarm.pypi.base-url} is set to.
	 */
	public String baseUrl() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	/** Serves every {@code .whl} in {@code directory} under its project. */
	public PypiFilesStandIn addWheels(Path directory) throws IOException {
		try (var list = Files.list(directory)) {
			for (Path wheel : list.filter((path) -> path.toString().endsWith(".whl")).sorted().toList()) {
				add(wheel);
			}
		}
		return this;
	}

	/** Serves one wheel under the project its filename names. */
	public PypiFilesStandIn add(Path wheel) throws IOException {
		String filename = wheel.getFileName().toString();
		String project = normalize(filename.substring(0, filename.indexOf('-')));
		byte[] content = Files.readAllBytes(wheel);
		byte[] metadata = metadataOf(content);
		Hosted hosted = new Hosted(project, filename, content, sha256(content), metadata,
				(metadata != null) ? sha256(metadata) : null);
		this.projects.computeIfAbsent(project, (name) -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(hosted);
		this.files.put(filename, hosted);
		return this;
	}

	/** Every answer is {@code status} from now on (0: answer normally again). */
	public void failWith(int status) {
		this.failWith = status;
	}

	/** Holds every answer until {@link #release()}: to the client, upstream times out. */
	public void holdAnswers() {
		this.hold = new CountDownLatch(1);
	}

	public void release() {
		CountDownLatch held = this.hold;
		this.hold = null;
		if (held != null) {
			held.countDown();
		}
	}

	/** Sends other bytes than the page lists for {@code filename}. */
	public void corrupt(String filename) {
		this.corrupt.put(filename, true);
	}

	/** Requests for {@code path} (e.g. {@code /files/x.whl}) so far. */
	public int requests(String path) {
		AtomicInteger count = this.requests.get(path);
		return (count != null) ? count.get() : 0;
	}

	/** Body bytes sent for {@code path} so far. */
	public long bytes(String path) {
		AtomicLong count = this.bytes.get(path);
		return (count != null) ? count.get() : 0;
	}

	/** Requests for files and metadata files, by path. */
	public Map<String, Integer> fileRequests() {
		Map<String, Integer> counts = new java.util.TreeMap<>();
		this.requests.forEach((path, count) -> {
			if (path.startsWith("/files/")) {
				counts.put(path, count.get());
			}
		});
		return counts;
	}

	/** Body bytes of every file and metadata file sent. */
	public long fileBytes() {
		return this.bytes.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().startsWith("/files/"))
			.mapToLong((entry) -> entry.getValue().get())
			.sum();
	}

	/** All requests, pages and files. */
	public int totalRequests() {
		return this.requests.values().stream().mapToInt(AtomicInteger::get).sum();
	}

	/** How many conditional requests were answered 304. */
	public int notModified() {
		return this.notModified.get();
	}

	/** The sha256 (hex) of a hosted file. */
	public String sha256Of(String filename) {
		return this.files.get(filename).sha256();
	}

	/** The names of the files hosted for {@code project}. */
	public List<String> filenames(String project) {
		return this.projects.getOrDefault(project, List.of()).stream().map(Hosted::filename).toList();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			String path = exchange.getRequestURI().getPath();
			this.requests.computeIfAbsent(path, (key) -> new AtomicInteger()).incrementAndGet();
			CountDownLatch held = this.hold;
			if (held != null) {
				// Bounded, so a test that forgets to release cannot hang the server.
				held.await(60, TimeUnit.SECONDS);
			}
			if (this.failWith != 0) {
				send(exchange, path, this.failWith, "text/plain", "stand-in failing on purpose\n".getBytes());
				return;
			}
			if (path.startsWith("/simple/") && path.endsWith("/")) {
				page(exchange, path);
			}
			else if (path.startsWith("/files/")) {
				file(exchange, path);
			}
			else {
				send(exchange, path, 404, "text/plain", new byte[0]);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void page(HttpExchange exchange, String path) throws IOException {
		String project = path.substring("/simple/".length(), path.length() - 1);
		List<Hosted> hosted = this.projects.get(project);
		if (hosted == null) {
			send(exchange, path, 404, "text/plain", "no such project\n".getBytes());
			return;
		}
		byte[] body = pageJson(project, hosted);
		String etag = "\"" + sha256(body).substring(0, 16) + "\"";
		exchange.getResponseHeaders().set("ETag", etag);
		if (etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
			this.notModified.incrementAndGet();
			exchange.sendResponseHeaders(304, -1);
			return;
		}
		send(exchange, path, 200, "application/vnd.pypi.simple.v1+json", body);
	}

	private byte[] pageJson(String project, List<Hosted> hosted) {
		ObjectNode root = JSON.createObjectNode();
		root.putObject("meta").put("api-version", "1.1").put("_last-serial", 1);
		root.put("name", project);
		ArrayNode files = root.putArray("files");
		ArrayNode versions = root.putArray("versions");
		for (Hosted file : hosted) {
			ObjectNode entry = files.addObject();
			entry.put("filename", file.filename());
			entry.put("url", baseUrl() + "/files/" + file.filename());
			entry.putObject("hashes").put("sha256", file.sha256());
			entry.put("requires-python", ">=3.7");
			entry.put("size", file.content().length);
			entry.put("upload-time", "2023-01-01T00:00:00.000000Z");
			entry.put("yanked", false);
			if (file.metadataSha256() != null) {
				// As PyPI's JSON: only PEP 714's key. The older "dist-info-metadata" key
				// as a dict breaks pip 23.0 (Debian 12's), which is why PEP 714 renamed
				// it.
				entry.putObject("core-metadata").put("sha256", file.metadataSha256());
			}
			String version = file.filename().split("-")[1];
			if (!versions.toString().contains("\"" + version + "\"")) {
				versions.add(version);
			}
		}
		return JSON.writeValueAsBytes(root);
	}

	private void file(HttpExchange exchange, String path) throws IOException {
		String name = path.substring("/files/".length());
		boolean metadata = name.endsWith(".metadata");
		Hosted file = this.files.get(metadata ? name.substring(0, name.length() - ".metadata".length()) : name);
		if (file == null || (metadata && file.metadata() == null)) {
			send(exchange, path, 404, "text/plain", new byte[0]);
			return;
		}
		byte[] body = metadata ? file.metadata() : file.content();
		if (!metadata && this.corrupt.containsKey(file.filename())) {
			body = body.clone();
			body[body.length / 2] ^= 0x01;
		}
		send(exchange, path, 200, metadata ? "text/plain" : "application/octet-stream", body);
	}

	private void send(HttpExchange exchange, String path, int status, String type, byte[] body) throws IOException {
		exchange.getResponseHeaders().set("Content-Type", type);
		exchange.sendResponseHeaders(status, (body.length == 0) ? -1 : body.length);
		if (body.length > 0) {
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
			this.bytes.computeIfAbsent(path, (key) -> new AtomicLong()).addAndGet(body.length);
		}
	}

	private static byte[] metadataOf(byte[] wheel) throws IOException {
		try (ZipInputStream zip = new ZipInputStream(new java.io.ByteArrayInputStream(wheel))) {
			ZipEntry entry;
			while ((entry = zip.getNextEntry()) != null) {
				String name = entry.getName();
				if (name.endsWith(".dist-info/METADATA") && name.indexOf('/') == name.lastIndexOf('/')) {
					ByteArrayOutputStream out = new ByteArrayOutputStream();
					zip.transferTo(out);
					return out.toByteArray();
				}
			}
		}
		return null;
	}

	private static String normalize(String name) {
		return ProjectName.of(name).value();
	}

	private static String sha256(byte[] bytes) {
		return Sha256.digest(bytes).hex();
	}

	@Override
	public void close() {
		release();
		this.server.stop(0);
		this.threads.shutdownNow();
	}

	private record Hosted(String project, String filename, byte[] content, String sha256, byte[] metadata,
			String metadataSha256) {

	}

}
