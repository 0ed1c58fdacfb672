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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import dev.wheelfarm.dispatch.github.GitHubStandIn;
import dev.wheelfarm.dispatch.local.SdistServer;
import dev.wheelfarm.dispatch.local.Sdists;
import dev.wheelfarm.testsupport.FaultyProxy;
import dev.wheelfarm.testsupport.S3Server;
import dev.wheelfarm.testsupport.TestDatabase;
import dev.wheelfarm.testsupport.Venv;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Builds on the GitHub engine survive the death of the replica that follows them. Two
 * real orchestrator processes share one PostgreSQL database, one s3proxy bucket (each
 * through a proxy of its own, which the test breaks) and the GitHub stand-in, whose runs
 * the test holds in progress:
 * <ol>
 * <li>the replica following a run is killed ({@code kill -9}) while the run goes on: the
 * other adopts it within one lease, collects it, verifies its attestation and publishes
 * it;</li>
 * <li>the replica that collected a run is killed after it recorded the success and before
 * the wheel was stored (its bucket stalls): the other collects the run again from GitHub
 * and publishes it, without its disk;</li>
 * <li>the bucket answers 503, then never answers, while a build's wheel is ingested:
 * nothing is listed, the ledger says why, the ingest is retried until the bucket is back,
 * and the build publishes.</li>
 * </ol>
 * Every build was dispatched once, both replicas (the killed one started again) answer
 * the same bytes for every page, pip installs every wheel from each, and no page names a
 * file the bucket lacks.
 */
class ReplicaFailoverTest {

	private static final String PROJECT = "failover";

	private static final String BLOBS = "wheels";

	/** Short, so that a fail-over is seen in seconds; production keeps 30 s. */
	private static final Duration LEASE = Duration.ofSeconds(3);

	private static final Duration GRACE = Duration.ofSeconds(2);

	private static final Duration INTERVAL = Duration.ofMillis(300);

	/** For the work of a loaded machine (a build, a JVM's turn on the scheduler). */
	private static final Duration LIMIT = Duration.ofSeconds(120);

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@TempDir
	static Path scratch;

	static TestDatabase.Coordinates database;

	static HikariDataSource pool;

	static JdbcClient jdbc;

	static S3Server s3;

	static GitHubStandIn gitHub;

	static SdistServer sdists;

	/** The replicas (index 0 and 1), each with its own way to the bucket. */
	static final OrchestratorProcess[] replicas = new OrchestratorProcess[2];

	static final FaultyProxy[] proxies = new FaultyProxy[2];

	@BeforeAll
	static void start() throws Exception {
		database = TestDatabase.freshDatabase().migrate();
		pool = database.pool(2);
		jdbc = JdbcClient.create(pool);
		s3 = S3Server.start(scratch.resolve("s3"));
		s3.createBucket(BLOBS);
		proxies[0] = FaultyProxy.start(s3.endpoint());
		proxies[1] = FaultyProxy.start(s3.endpoint());
		gitHub = GitHubStandIn.running(scratch.resolve("github"));
		sdists = new SdistServer();
		OrchestratorProcess.optIn(jdbc, PROJECT);
		OrchestratorProcess[] started = OrchestratorProcess.startTogether(() -> launch(0), () -> launch(1));
		replicas[0] = started[0];
		replicas[1] = started[1];
	}

	@AfterAll
	static void stop() throws IOException {
		for (OrchestratorProcess replica : replicas) {
			if (replica != null) {
				replica.kill();
			}
		}
		if (gitHub != null) {
			gitHub.releaseRuns();
			gitHub.close();
		}
		if (sdists != null) {
			sdists.close();
		}
		for (FaultyProxy proxy : proxies) {
			if (proxy != null) {
				proxy.close();
			}
		}
		if (s3 != null) {
			s3.close();
		}
		if (pool != null) {
			pool.close();
		}
	}

	@Test
	void buildsOutliveTheReplicaThatFollowsThemAndABucketOutage() throws Exception {
		// 1. The replica following a run dies while the run goes on.
		gitHub.holdRuns();
		long first = enqueue("1.0");
		int holder = awaitRunningOn(first);
		int adopter = 1 - holder;
		replicas[holder].kill();
		OffsetDateTime killed = databaseNow();
		replicas[adopter].await(() -> claimedBy(first, adopter), LIMIT, jdbc, "the survivor adopting the run");
		assertThat(databaseNow()).as("adopted within one lease (and a round) of the kill")
			.isBeforeOrEqualTo(killed.plus(LEASE).plus(INTERVAL).plusSeconds(1));
		gitHub.releaseRuns();
		replicas[adopter].await(() -> "PUBLISHED".equals(state(first)), LIMIT, jdbc, "build 1.0 published");
		replicas[holder] = launch(holder);

		// 2. The replica that collected a run dies between the success and the wheel's
		// storage: its disk holds the only collected copy.
		gitHub.holdRuns();
		long second = enqueue("2.0");
		holder = awaitRunningOn(second);
		int survivor = 1 - holder;
		proxies[holder].fail(FaultyProxy.Fault.STALL);
		gitHub.releaseRuns();
		replicas[holder].await(() -> "SUCCEEDED".equals(state(second)), LIMIT, jdbc, "build 2.0 succeeded");
		replicas[holder].kill();
		proxies[holder].heal();
		assertThat(wheelsOf(second)).as("listed before its wheel was stored").isZero();
		replicas[survivor].await(() -> "PUBLISHED".equals(state(second)), LIMIT, jdbc, "build 2.0 published");
		assertThat(replicas[survivor].tail(2000)).contains("Build " + second + " (" + PROJECT
				+ " 2.0) succeeded on another replica that did not publish it; collecting run");
		replicas[holder] = launch(holder);

		// 3. The bucket fails while a build's wheel is ingested: 503s, then no answer.
		gitHub.holdRuns();
		long third = enqueue("3.0");
		holder = awaitRunningOn(third);
		for (FaultyProxy proxy : proxies) {
			proxy.fail(FaultyProxy.Fault.UNAVAILABLE);
		}
		gitHub.releaseRuns();
		replicas[holder].await(() -> reasonOf(third).contains("could not be stored"), LIMIT, jdbc,
				"build 3.0's ingest refused by the bucket");
		assertThat(state(third)).isEqualTo("SUCCEEDED");
		assertThat(reasonOf(third)).contains("503");
		OffsetDateTime refused = updatedAt(third);
		for (FaultyProxy proxy : proxies) {
			proxy.fail(FaultyProxy.Fault.STALL);
		}
		replicas[holder].await(() -> updatedAt(third).isAfter(refused) && !reasonOf(third).contains("503"), LIMIT, jdbc,
				"build 3.0's ingest tried again against a bucket that does not answer");
		assertThat(state(third)).isEqualTo("SUCCEEDED");
		assertThat(wheelsOf(third)).as("listed while the bucket was down").isZero();
		for (OrchestratorProcess replica : replicas) {
			assertThat(FarmInvariants.projectPage(replica.uri("/"), PROJECT).toString()).doesNotContain("-3.0-");
		}
		for (FaultyProxy proxy : proxies) {
			proxy.heal();
		}
		replicas[holder].await(() -> "PUBLISHED".equals(state(third)), LIMIT, jdbc, "build 3.0 published");
		String log = replicas[0].tail(4000) + replicas[1].tail(4000);
		assertThat(log).contains("Build " + third + ": its wheels could not be stored (")
			.contains("offered again after wheelfarm.dispatch.stranded-grace")
			.contains("Build " + third + " (" + PROJECT + " 3.0) succeeded but was never published");

		// No build ran twice: one dispatch, one run, one attempt each.
		assertThat(gitHub.dispatches()).hasSize(3);
		assertThat(gitHub.runsByRequest()).hasSize(3).allSatisfy((request, runs) -> assertThat(runs).isEqualTo(1));
		assertThat(jdbc.sql("""
				SELECT count(*) FROM build_event e JOIN build b ON b.id = e.build_id
				WHERE e.to_state = 'DISPATCHED'
				""").query(Long.class).single()).as("dispatches in the ledger").isEqualTo(3);
		assertThat(jdbc.sql("SELECT attempts FROM build ORDER BY id").query(Integer.class).list()).containsExactly(1, 1,
				1);
		assertThat(FarmInvariants.overlappingSingletonRuns(jdbc)).as("overlapping runs of one singleton job").isZero();

		// Both replicas answer the same bytes, list only what the bucket holds, and pip
		// installs every wheel from each with its hash pinned.
		for (String path : List.of("/simple/", "/simple/" + PROJECT + "/")) {
			for (String accept : List.of("text/html", FarmInvariants.SIMPLE_JSON)) {
				assertThat(page(replicas[1], path, accept)).as("%s as %s on both replicas", path, accept)
					.isEqualTo(page(replicas[0], path, accept));
			}
		}
		List<FarmInvariants.StoredWheel> wheels = FarmInvariants.wheels(jdbc);
		assertThat(wheels).extracting(FarmInvariants.StoredWheel::filename)
			.containsExactly(PROJECT + "-1.0-py3-none-any.whl", PROJECT + "-2.0-py3-none-any.whl",
					PROJECT + "-3.0-py3-none-any.whl");
		assertListedFilesAreInTheBucket();
		Venv venv = Venv.create(scratch, "venv");
		for (OrchestratorProcess replica : replicas) {
			for (FarmInvariants.StoredWheel wheel : wheels) {
				String version = wheel.filename().split("-")[1];
				Path requirements = Files.writeString(scratch.resolve("requirements.txt"),
						PROJECT + "==" + version + " --hash=sha256:" + wheel.sha256() + "\n");
				Venv.Result install = venv.pip(replica.uri("/simple/").toString(), "install", "--force-reinstall",
						"--no-deps", "--require-hashes", "-r", requirements.toString());
				assertThat(install.exitCode()).as(install.output()).isZero();
				assertThat(install.output()).contains("Successfully installed " + PROJECT + "-" + version);
			}
		}
	}

	private static OrchestratorProcess launch(int replica) {
		Path dataDir = scratch.resolve("data-" + replica);
		Map<String, String> properties = OrchestratorProcess.baseProperties(database, dataDir);
		properties.putAll(S3Server.farmProperties(proxies[replica].endpoint(), BLOBS));
		properties.putAll(gitHub.farmProperties());
		// No webhook: the replicas poll the runs, each round at first.
		properties.put("wheelfarm.github.poll-interval", "300ms");
		properties.put("wheelfarm.dispatch.interval", INTERVAL.toMillis() + "ms");
		properties.put("wheelfarm.dispatch.stranded-grace", GRACE.toMillis() + "ms");
		properties.put("wheelfarm.builds.lease", LEASE.toSeconds() + "s");
		// A request the bucket holds is given up after 1 s (three attempts in all).
		properties.put("wheelfarm.blobs.s3.read-timeout", "1s");
		properties.put("wheelfarm.pypi.watch-enabled", "false");
		return OrchestratorProcess.start("failover-" + replica, properties);
	}

	/** A release to build, as the PyPI watch would find it; returns its build's id. */
	private static long enqueue(String version) throws Exception {
		byte[] sdist = Sdists.sdist(scratch, PROJECT, version, Sdists.pure(PROJECT, version));
		String filename = PROJECT + "-" + version + ".tar.gz";
		URI url = sdists.publish(filename, sdist, 0);
		OrchestratorProcess.enqueue(pool, PROJECT, version, filename, url, sdist, "failover");
		return jdbc.sql("SELECT id FROM build WHERE version = ?").param(version).query(Long.class).single();
	}

	/** Waits for the build's run to be in progress; returns the replica following it. */
	private static int awaitRunningOn(long build) {
		replicas[0].await(() -> "RUNNING".equals(state(build)), LIMIT, jdbc, "build " + build + " running");
		for (int replica = 0; replica < 2; replica++) {
			if (claimedBy(build, replica)) {
				return replica;
			}
		}
		throw new AssertionError("build " + build + " is followed by neither replica: " + FarmInvariants.builds(jdbc));
	}

	private static boolean claimedBy(long build, int replica) {
		String owner = jdbc.sql("SELECT claimed_by FROM build WHERE id = ?")
			.param(build)
			.query(String.class)
			.optional()
			.orElse(null);
		return owner != null && owner.startsWith(replicas[replica].pid() + "@");
	}

	private static String state(long build) {
		return jdbc.sql("SELECT state FROM build WHERE id = ?").param(build).query(String.class).single();
	}

	private static String reasonOf(long build) {
		return jdbc.sql("SELECT coalesce(reason, '') FROM build WHERE id = ?")
			.param(build)
			.query(String.class)
			.single();
	}

	private static OffsetDateTime updatedAt(long build) {
		return jdbc.sql("SELECT updated_at FROM build WHERE id = ?").param(build).query(OffsetDateTime.class).single();
	}

	private static long wheelsOf(long build) {
		return jdbc.sql("SELECT count(*) FROM wheel WHERE build_id = ?").param(build).query(Long.class).single();
	}

	private static OffsetDateTime databaseNow() {
		return jdbc.sql("SELECT clock_timestamp()").query(OffsetDateTime.class).single();
	}

	private static byte[] page(OrchestratorProcess replica, String path, String accept)
			throws IOException, InterruptedException {
		HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(replica.uri(path))
			.header("Accept", accept)
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).as("GET %s as %s", path, accept).isEqualTo(200);
		return response.body();
	}

	/** Every blob a listed wheel needs is in the bucket, with its size and hash. */
	private static void assertListedFilesAreInTheBucket() {
		List<String> needed = new ArrayList<>(jdbc.sql("""
				SELECT sha256 FROM wheel WHERE removed_at IS NULL
				UNION SELECT metadata_sha256 FROM wheel WHERE removed_at IS NULL AND metadata_sha256 IS NOT NULL
				""").query(String.class).list());
		assertThat(needed).isNotEmpty();
		for (String sha256 : needed) {
			String key = FarmInvariants.bucketKey(sha256);
			try {
				HeadObjectResponse head = s3.client().headObject((request) -> request.bucket(BLOBS).key(key));
				assertThat(head.metadata()).containsEntry("sha256", sha256);
			}
			catch (NoSuchKeyException ex) {
				throw new AssertionError("a listed file's blob " + key + " is not in the bucket", ex);
			}
		}
	}

}
