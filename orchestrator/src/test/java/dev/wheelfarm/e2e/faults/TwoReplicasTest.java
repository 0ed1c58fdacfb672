package dev.wheelfarm.e2e.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.dispatch.local.SdistServer;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.FaultyProxy;
import dev.wheelfarm.testsupport.S3Server;
import dev.wheelfarm.testsupport.TestDatabase;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two replicas as operators run them (docs/operators.md, "Running several replicas"): two
 * orchestrator processes, each with its own data directory, on one PostgreSQL database
 * and one s3proxy bucket, exporting the index to a second bucket. A project's wheel is
 * built and published; both replicas list it with its hash, serve its bytes, and pip
 * installs it from each with {@code --require-hashes}. Then replica A is killed with
 * SIGKILL while it holds the static export's lock (its way to the bucket stalls, so its
 * run cannot end by itself), and replica B takes the export over within one lease plus
 * one interval, as {@code job_run} shows; no two runs of any singleton job overlapped,
 * and neither the index nor the export lists a file its bucket lacks.
 */
class TwoReplicasTest {

	private static final String PROJECT = "replicated";

	private static final String WHEEL = "replicated-1.0-py3-none-any.whl";

	private static final String BLOBS = "wheels";

	private static final String EXPORT = "index";

	/** Short, so that a fail-over is seen in seconds; production keeps 30 s. */
	private static final Duration LEASE = Duration.ofSeconds(3);

	private static final Duration EXPORT_INTERVAL = Duration.ofSeconds(1);

	/** For the work of a loaded machine (a build, a JVM's turn on the scheduler). */
	private static final Duration LIMIT = Duration.ofSeconds(90);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@TempDir
	static Path scratch;

	static TestDatabase.Coordinates database;

	static HikariDataSource pool;

	static JdbcClient jdbc;

	static S3Server s3;

	/** Replica A's way to the buckets, which the test stalls. */
	static FaultyProxy proxyOfA;

	static SdistServer sdists;

	static OrchestratorProcess replicaA;

	static OrchestratorProcess replicaB;

	@BeforeAll
	static void start() throws Exception {
		database = TestDatabase.freshDatabase().migrate();
		pool = database.pool(2);
		jdbc = JdbcClient.create(pool);
		s3 = S3Server.start(scratch.resolve("s3"));
		s3.createBucket(BLOBS);
		s3.createBucket(EXPORT);
		proxyOfA = FaultyProxy.start(s3.endpoint());
		sdists = new SdistServer();
		OrchestratorProcess[] replicas = OrchestratorProcess.startTogether(
				() -> OrchestratorProcess.start("replica-a", properties("a", proxyOfA.endpoint())),
				() -> OrchestratorProcess.start("replica-b", properties("b", s3.endpoint())));
		replicaA = replicas[0];
		replicaB = replicas[1];
	}

	@AfterAll
	static void stop() throws IOException {
		for (OrchestratorProcess replica : new OrchestratorProcess[] { replicaA, replicaB }) {
			if (replica != null) {
				replica.kill();
			}
		}
		if (sdists != null) {
			sdists.close();
		}
		if (proxyOfA != null) {
			proxyOfA.close();
		}
		if (s3 != null) {
			s3.close();
		}
		if (pool != null) {
			pool.close();
		}
	}

	@Test
	void bothReplicasServeEveryFileAndTheSurvivorTakesTheSingletonJobsOver() throws Exception {
		// Each replica renders the opted-in project's page once and keeps it for a long
		// TTL: the replica that did not publish shows the wheel in time only through
		// the other's notification.
		OrchestratorProcess.optIn(jdbc, PROJECT);
		assertThat(projectPage(replicaA).path("files").isEmpty()).isTrue();
		assertThat(projectPage(replicaB).path("files").isEmpty()).isTrue();
		enqueue();
		replicaA.await(() -> FarmInvariants.settled(jdbc) && lists(replicaA) && lists(replicaB), LIMIT, jdbc,
				"wheel published and listed by both replicas");
		assertThat(FarmInvariants.builds(jdbc)).extracting(FarmInvariants.EndedBuild::state)
			.containsExactly("PUBLISHED");
		assertThat(sdists.requestCount(PROJECT + "-1.0.tar.gz")).as("builds of the sdist").isEqualTo(1);
		FarmInvariants.StoredWheel wheel = FarmInvariants.wheels(jdbc).get(0);
		assertThat(wheel.filename()).isEqualTo(WHEEL);

		// Both replicas answer the same index, and serve the file's bytes from the
		// bucket.
		JsonNode indexOfA = projectPage(replicaA);
		assertThat(projectPage(replicaB)).as("/simple/%s/ on both replicas", PROJECT).isEqualTo(indexOfA);
		assertThat(rootPage(replicaB)).as("/simple/ on both replicas").isEqualTo(rootPage(replicaA));
		assertListedFilesAreInTheBucket(indexOfA);
		for (OrchestratorProcess replica : List.of(replicaA, replicaB)) {
			byte[] served = fileOf(replica, indexOfA);
			assertThat(Sha256.digest(served).hex()).as("the bytes %s serves", replica.uri("/"))
				.isEqualTo(wheel.sha256());
		}
		Venv venv = Venv.create(scratch, "venv");
		Path requirements = Files.writeString(scratch.resolve("requirements.txt"),
				PROJECT + "==1.0 --hash=sha256:" + wheel.sha256() + "\n");
		for (OrchestratorProcess replica : List.of(replicaA, replicaB)) {
			Venv.Result install = venv.pip(replica.uri("/simple/").toString(), "install", "--force-reinstall",
					"--require-hashes", "-r", requirements.toString());
			assertThat(install.exitCode()).as(install.output()).isZero();
			assertThat(install.output()).contains("Successfully installed " + PROJECT + "-1.0");
		}
		assertThat(venv.python("import replicated; print(replicated.ANSWER)").output().strip()).isEqualTo("42");
		replicaA.await(() -> exportRunsBy(replicaB) > 0, LIMIT, jdbc, "an export run by replica B");

		// Replica A's way to the buckets stalls: its next export takes the lock and hangs
		// with it, renewing it, until A is killed.
		// Counted after the stall began: a later run of A reads the bucket after it.
		proxyOfA.fail(FaultyProxy.Fault.STALL);
		long before = jdbc.sql("SELECT coalesce(max(id), 0) FROM job_run").query(Long.class).single();
		// A run of A already under way when the stall began gives up only after the
		// SDK's three attempts of 30 s each; A's next run is the one that hangs.
		replicaA.await(() -> stuckRunOf(replicaA, before) != null, LIMIT.plusSeconds(100), jdbc,
				"replica A holding the export");
		long stuck = stuckRunOf(replicaA, before);
		replicaA.kill();
		OffsetDateTime killed = jdbc.sql("SELECT clock_timestamp()").query(OffsetDateTime.class).single();

		replicaB.await(() -> completedExportAfter(stuck) != null, LIMIT, jdbc, "replica B exporting after the kill");
		JobRun dead = run(stuck);
		JobRun takeover = run(completedExportAfter(stuck));
		assertThat(dead.finishedAt()).as("the killed replica's run never ended").isNull();
		assertThat(dead.heldUntil()).as("the dead run's lease ends within one lease of the kill")
			.isBeforeOrEqualTo(killed.plus(LEASE));
		assertThat(takeover.replica()).as("the replica that took the export over").startsWith(replicaB.pid() + "@");
		// Taken once the dead lease ran out, at B's next turn: within one lease and one
		// interval of the kill (a second's grace for a loaded machine's scheduler).
		assertThat(takeover.startedAt()).isAfterOrEqualTo(dead.heldUntil())
			.isBeforeOrEqualTo(killed.plus(LEASE).plus(EXPORT_INTERVAL).plusSeconds(1));
		assertThat(FarmInvariants.overlappingSingletonRuns(jdbc)).as("overlapping runs of one singleton job").isZero();

		// The survivor still serves the index both served, every file of it from the
		// bucket, and its export names no file the export bucket lacks.
		assertThat(projectPage(replicaB)).isEqualTo(indexOfA);
		assertListedFilesAreInTheBucket(projectPage(replicaB));
		assertExportNamesOnlyItsFiles();
		assertThat(FarmInvariants.builds(jdbc)).extracting(FarmInvariants.EndedBuild::state)
			.containsExactly("PUBLISHED");
	}

	private static Map<String, String> properties(String name, URI s3Endpoint) {
		Path dataDir = scratch.resolve("data-" + name);
		Map<String, String> properties = OrchestratorProcess.baseProperties(database, dataDir);
		properties.putAll(S3Server.farmProperties(s3Endpoint, BLOBS));
		// Long enough that the pages each replica rendered before the build are still
		// cached after it: they change in time only through the replicas' notifications.
		properties.put("wheelfarm.index.page-cache-ttl", "10m");
		properties.put("wheelfarm.index.export-bucket", EXPORT);
		properties.put("wheelfarm.index.export-interval", EXPORT_INTERVAL.toMillis() + "ms");
		properties.put("wheelfarm.scheduling.lock-lease", LEASE.toSeconds() + "s");
		properties.put("wheelfarm.engine", "local");
		properties.put("wheelfarm.local.python", Sdists.PYTHON);
		properties.put("wheelfarm.local.fetch-retries", "0");
		properties.put("wheelfarm.local.offline", "true");
		properties.put("wheelfarm.local.sandbox.mode", "unsandboxed");
		properties.put("wheelfarm.pypi.watch-enabled", "false");
		properties.put("wheelfarm.builds.lease", "3s");
		return properties;
	}

	/** A release to build, as the PyPI watch would find it. */
	private static void enqueue() throws Exception {
		byte[] sdist = Sdists.sdist(scratch, PROJECT, "1.0", Sdists.pure(PROJECT, "1.0"));
		String filename = PROJECT + "-1.0.tar.gz";
		URI url = sdists.publish(filename, sdist, 0);
		OrchestratorProcess.enqueue(pool, PROJECT, "1.0", filename, url, sdist, "two-replicas");
	}

	private static boolean lists(OrchestratorProcess replica) {
		try {
			return projectPage(replica).path("files")
				.valueStream()
				.anyMatch((file) -> file.path("filename").asString().equals(WHEEL));
		}
		catch (IOException | AssertionError ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AssertionError(ex);
		}
	}

	private static JsonNode projectPage(OrchestratorProcess replica) throws IOException, InterruptedException {
		return FarmInvariants.projectPage(replica.uri("/"), PROJECT);
	}

	private static JsonNode rootPage(OrchestratorProcess replica) throws IOException, InterruptedException {
		HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(replica.uri("/simple/"))
			.header("Accept", FarmInvariants.SIMPLE_JSON)
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return JSON.readTree(response.body());
	}

	private static byte[] fileOf(OrchestratorProcess replica, JsonNode page) throws IOException, InterruptedException {
		URI file = replica.uri("/simple/" + PROJECT + "/").resolve(page.path("files").get(0).path("url").asString());
		HttpResponse<byte[]> response = get(file);
		assertThat(response.statusCode()).as("GET %s", file).isEqualTo(200);
		return response.body();
	}

	private static HttpResponse<byte[]> get(URI uri) throws IOException, InterruptedException {
		return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofByteArray());
	}

	/** Every file a page lists is in the blob bucket, with its size and hash. */
	private static void assertListedFilesAreInTheBucket(JsonNode page) {
		assertThat(page.path("files").size()).isPositive();
		for (JsonNode file : page.path("files")) {
			String sha256 = file.path("hashes").path("sha256").asString();
			String key = FarmInvariants.bucketKey(sha256);
			HeadObjectResponse head = s3.client().headObject((request) -> request.bucket(BLOBS).key(key));
			assertThat(head.contentLength()).as("the size of %s in the bucket", key)
				.isEqualTo(file.path("size").asLong());
			assertThat(head.metadata()).containsEntry("sha256", sha256);
		}
	}

	/**
	 * The export's page names its file, and the export bucket holds it, its hash right.
	 */
	private static void assertExportNamesOnlyItsFiles() throws IOException {
		String pageKey = "simple/" + PROJECT + "/index.json";
		JsonNode page = JSON.readTree(s3.client()
			.getObject((request) -> request.bucket(EXPORT).key(pageKey), ResponseTransformer.toBytes())
			.asByteArray());
		assertThat(page.path("files").size()).isPositive();
		for (JsonNode file : page.path("files")) {
			String key = URI.create("http://export/" + pageKey)
				.resolve(file.path("url").asString())
				.getPath()
				.substring(1);
			try {
				byte[] bytes = s3.client()
					.getObject((request) -> request.bucket(EXPORT).key(key), ResponseTransformer.toBytes())
					.asByteArray();
				assertThat(Sha256.digest(bytes).hex()).isEqualTo(file.path("hashes").path("sha256").asString());
			}
			catch (NoSuchKeyException ex) {
				throw new AssertionError("the export names " + key + ", which its bucket lacks", ex);
			}
		}
	}

	/** A singleton job's run, as {@code job_run} holds it. */
	record JobRun(long id, String job, String replica, OffsetDateTime startedAt, OffsetDateTime heldUntil,
			OffsetDateTime finishedAt) {
	}

	private static JobRun run(long id) {
		return jdbc.sql("SELECT id, job, replica, started_at, held_until, finished_at FROM job_run WHERE id = ?")
			.param(id)
			.query(JobRun.class)
			.single();
	}

	private static long exportRunsBy(OrchestratorProcess replica) {
		return jdbc.sql("SELECT count(*) FROM job_run WHERE job = 'index-export' AND replica LIKE ?")
			.param(replica.pid() + "@%")
			.query(Long.class)
			.single();
	}

	/**
	 * A run of the export by {@code replica} that started after {@code after} and goes
	 * on.
	 */
	private static Long stuckRunOf(OrchestratorProcess replica, long after) {
		return jdbc
			.sql("""
					SELECT id FROM job_run
					WHERE job = 'index-export' AND replica LIKE ? AND id > ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1
					""")
			.param(replica.pid() + "@%")
			.param(after)
			.query(Long.class)
			.optional()
			.orElse(null);
	}

	private static Long completedExportAfter(long id) {
		return jdbc
			.sql("""
					SELECT id FROM job_run WHERE job = 'index-export' AND id > ? AND outcome = 'COMPLETED' ORDER BY id LIMIT 1
					""")
			.param(id)
			.query(Long.class)
			.optional()
			.orElse(null);
	}

}
