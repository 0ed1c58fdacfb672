package dev.wheelfarm.e2e.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.wheelfarm.builds.BuildCandidate;
import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.builds.BuildsProperties;
import dev.wheelfarm.builds.RecipeFingerprint;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.TestDatabase;
import dev.wheelfarm.testsupport.Waiting;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The orchestrator as a real operating-system process: a child JVM running
 * {@code WheelfarmApplication} on this test's classpath, so that {@link #kill()} is a
 * real {@code kill -9} (SIGKILL: no shutdown hook, no finally block, no flush) and a
 * restart is a new process on the same database and data directory. Its output goes to a
 * file under {@code target/}; {@link #tail} shows its end when a test fails.
 */
final class OrchestratorProcess implements AutoCloseable {

	private static final Path LOGS = Path.of("target", "orchestrator-processes");

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private final Process process;

	private final Path log;

	private final int port;

	private OrchestratorProcess(Process process, Path log, int port) {
		this.process = process;
		this.log = log;
		this.port = port;
	}

	/**
	 * Starts an orchestrator with these {@code wheelfarm.*}/Spring properties (as
	 * {@code --name=value} arguments) and returns once it answers
	 * {@code /actuator/health} with UP.
	 */
	static OrchestratorProcess start(String name, Map<String, String> properties) {
		return start(name, properties, Map.of());
	}

	/**
	 * Starts an orchestrator as {@link #start(String, Map)} does, with these variables
	 * set in its environment (a null value removes the variable).
	 */
	static OrchestratorProcess start(String name, Map<String, String> properties, Map<String, String> environment) {
		OrchestratorProcess orchestrator = launch(name, properties, environment);
		orchestrator.awaitHealthy(Duration.ofSeconds(120));
		return orchestrator;
	}

	/**
	 * Starts two orchestrators at once (each start is a JVM's whole boot) and returns
	 * them once both are healthy.
	 */
	static OrchestratorProcess[] startTogether(Supplier<OrchestratorProcess> first,
			Supplier<OrchestratorProcess> second) {
		CompletableFuture<OrchestratorProcess> one = CompletableFuture.supplyAsync(first);
		CompletableFuture<OrchestratorProcess> other = CompletableFuture.supplyAsync(second);
		try {
			return new OrchestratorProcess[] { one.join(), other.join() };
		}
		catch (CompletionException ex) {
			// Never leave the one that did start behind.
			one.thenAccept(OrchestratorProcess::kill);
			other.thenAccept(OrchestratorProcess::kill);
			throw ex;
		}
	}

	/**
	 * Starts an orchestrator that is expected to refuse to start, and waits for it to
	 * exit.
	 * @return its exit code, its output and how long it ran
	 */
	static Exited runToExit(String name, Map<String, String> properties, Duration limit) {
		Instant started = Instant.now();
		OrchestratorProcess orchestrator = launch(name, properties, Map.of());
		try {
			if (!orchestrator.process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
				orchestrator.kill();
				throw new AssertionError(
						"the orchestrator did not exit within " + limit + ":\n" + orchestrator.tail(80));
			}
			return new Exited(orchestrator.process.exitValue(),
					new String(Files.readAllBytes(orchestrator.log), StandardCharsets.UTF_8),
					Duration.between(started, Instant.now()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			orchestrator.kill();
			throw new AssertionError(ex);
		}
	}

	/** How a process that was expected to refuse to start ended. */
	record Exited(int exitCode, String output, Duration ran) {
	}

	private static OrchestratorProcess launch(String name, Map<String, String> properties,
			Map<String, String> environment) {
		int port = freePort();
		Map<String, String> arguments = new LinkedHashMap<>(properties);
		arguments.put("server.port", Integer.toString(port));
		List<String> command = new ArrayList<>(
				List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
						"-XX:TieredStopAtLevel=1", "-cp", classPath(), "dev.wheelfarm.WheelfarmApplication"));
		arguments.forEach((key, value) -> command.add("--" + key + "=" + value));
		try {
			Files.createDirectories(LOGS);
			Path log = LOGS.resolve(name + "-" + Instant.now().toEpochMilli() + ".log");
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
			environment.forEach((variable, value) -> {
				if (value == null) {
					builder.environment().remove(variable);
				}
				else {
					builder.environment().put(variable, value);
				}
			});
			Process process = builder.start();
			return new OrchestratorProcess(process, log, port);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Surefire puts the real classpath in its own property and a booter jar in ours. */
	private static String classPath() {
		return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void awaitHealthy(Duration limit) {
		try {
			Waiting.until("the orchestrator to answer healthy", limit, this::healthy, Boolean.TRUE::equals,
					(last) -> "no healthy answer:\n" + tail(80));
		}
		catch (AssertionError ex) {
			kill();
			throw ex;
		}
	}

	private boolean healthy() {
		if (!this.process.isAlive()) {
			throw new AssertionError("the orchestrator exited with " + this.process.exitValue() + ":\n" + tail(80));
		}
		try {
			HttpResponse<String> health = HTTP.send(
					HttpRequest.newBuilder(uri("/actuator/health")).timeout(Duration.ofSeconds(2)).build(),
					HttpResponse.BodyHandlers.ofString());
			return health.statusCode() == 200 && health.body().contains("\"UP\"");
		}
		catch (IOException ex) {
			// Not listening yet.
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AssertionError(ex);
		}
	}

	URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.port + path);
	}

	long pid() {
		return this.process.pid();
	}

	/** {@code kill -9}: the process ends where it stands. */
	void kill() {
		this.process.destroyForcibly();
		try {
			this.process.waitFor(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** A polite stop (SIGTERM), falling back to SIGKILL. */
	@Override
	public void close() {
		if (!this.process.isAlive()) {
			return;
		}
		this.process.destroy();
		try {
			if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
				kill();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			kill();
		}
	}

	/** The last lines the process printed. */
	String tail(int lines) {
		try {
			// A build log may hold bytes that are not UTF-8: decode leniently.
			List<String> all = List.of(new String(Files.readAllBytes(this.log), StandardCharsets.UTF_8).split("\n"));
			return this.log + ":\n" + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
		}
		catch (IOException ex) {
			return "(no log at " + this.log + ": " + ex.getMessage() + ")";
		}
	}

	/**
	 * What every test orchestrator here shares: the test's database and data directory,
	 * no opt-in re-syncs, short dispatcher rounds and retry delays, no page cache.
	 */
	static Map<String, String> baseProperties(TestDatabase.Coordinates database, Path dataDir) {
		Map<String, String> properties = new LinkedHashMap<>(database.springProperties());
		properties.put("wheelfarm.data-dir", dataDir.toString());
		properties.put("wheelfarm.optin.resync-enabled", "false");
		properties.put("wheelfarm.dispatch.interval", "300ms");
		properties.put("wheelfarm.builds.retry-base-delay", "500ms");
		properties.put("wheelfarm.builds.retry-max-delay", "1s");
		properties.put("wheelfarm.index.page-cache-ttl", "0s");
		return properties;
	}

	/** Opts a project in, as a maintainer's registered repository would. */
	static void optIn(JdbcClient jdbc, String project) {
		long repository = jdbc.sql("INSERT INTO repository (url) VALUES (?) RETURNING id")
			.param("https://git.example/" + project)
			.query(Long.class)
			.single();
		jdbc.sql("""
				INSERT INTO project (name, display_name, optin_state, repository_id)
				VALUES (?, ?, 'OPTED_IN', ?)
				""").params(project, project, repository).update();
	}

	/**
	 * Enqueues a build of a release, as the PyPI watch does when it finds one.
	 * @param worker what the build's recipe fingerprint names, to tell the tests' builds
	 * apart
	 */
	static void enqueue(DataSource pool, String project, String version, String filename, URI url, byte[] sdist,
			String worker) {
		new BuildLedger(JdbcClient.create(pool), new TransactionTemplate(new DataSourceTransactionManager(pool)),
				new BuildsProperties(4, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3), 2, 3),
				Clock.systemUTC())
			.enqueue(new BuildCandidate(ProjectName.of(project), version, filename, url.toString(),
					Sha256.digest(sdist), BuildCandidate.Origin.WATCHER),
					RecipeFingerprint.of(Map.of("worker", worker)));
	}

	/**
	 * Waits for {@code condition}; fails with the ledger and the end of this process's
	 * log when it does not come true in time.
	 */
	void await(BooleanSupplier condition, Duration limit, JdbcClient jdbc, String what) {
		Waiting.until(what, limit, condition::getAsBoolean, Boolean.TRUE::equals,
				(last) -> "the ledger " + FarmInvariants.builds(jdbc) + "\n" + tail(80));
	}

}
