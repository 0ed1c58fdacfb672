package dev.wheelfarm.e2e.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.wheelfarm.shared.Sha256;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What must hold after any crash or fault once the farm has settled: every build ended
 * once, every wheel stored once with its bytes, every index page listing each wheel once
 * with its hash, nothing left half-done.
 */
final class FarmInvariants {

	static final String SIMPLE_JSON = "application/vnd.pypi.simple.v1+json";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private FarmInvariants() {
	}

	/** A build as the ledger ended it. */
	record EndedBuild(String project, String version, String state, String failureKind, String failureClass,
			String strategy) {

	}

	/** A wheel as the farm stored it. */
	record StoredWheel(String project, String filename, String sha256, long size) {

	}

	static List<EndedBuild> builds(JdbcClient jdbc) {
		return jdbc.sql("""
				SELECT p.name AS project, b.version, b.state, b.failure_kind, b.failure_class, b.strategy
				FROM build b JOIN project p ON p.id = b.project_id ORDER BY p.name, b.version
				""").query(EndedBuild.class).list();
	}

	static List<StoredWheel> wheels(JdbcClient jdbc) {
		return jdbc.sql("""
				SELECT p.name AS project, w.filename, w.sha256, w.size
				FROM wheel w JOIN project p ON p.id = w.project_id ORDER BY w.filename
				""").query(StoredWheel.class).list();
	}

	/** Whether no build is waiting, claimed or with a builder any more. */
	static boolean settled(JdbcClient jdbc) {
		return jdbc.sql("""
				SELECT count(*) FROM build
				WHERE state NOT IN ('PUBLISHED', 'FAILED', 'CANCELLED', 'SKIPPED') OR claimed_by IS NOT NULL
				""").query(Long.class).single() == 0;
	}

	/**
	 * Asserts every invariant of a settled farm.
	 * @param expectedWheels the wheel filename each published project must have, by
	 * project
	 */
	static void assertConsistent(JdbcClient jdbc, Path dataDir, URI farm, Map<String, String> expectedWheels)
			throws IOException, InterruptedException {
		assertThat(settled(jdbc)).as("every build ended and nothing is claimed").isTrue();
		// Exactly one terminal transition per build, and a published build succeeded
		// once.
		List<Map<String, Object>> endings = jdbc.sql("""
				SELECT b.id, b.state,
				       count(*) FILTER (WHERE e.to_state IN ('PUBLISHED', 'FAILED', 'CANCELLED', 'SKIPPED')) AS ended,
				       count(*) FILTER (WHERE e.to_state = 'SUCCEEDED') AS succeeded,
				       count(*) FILTER (WHERE e.to_state = 'PUBLISHED') AS published
				FROM build b JOIN build_event e ON e.build_id = b.id GROUP BY b.id, b.state ORDER BY b.id
				""").query().listOfRows();
		assertThat(endings).allSatisfy((row) -> {
			assertThat(((Number) row.get("ended")).longValue()).as("terminal transitions of build %s", row.get("id"))
				.isEqualTo(1);
			long successes = "PUBLISHED".equals(row.get("state")) ? 1 : 0;
			assertThat(((Number) row.get("succeeded")).longValue()).as("successes of build %s", row.get("id"))
				.isEqualTo(successes);
			assertThat(((Number) row.get("published")).longValue()).isEqualTo(successes);
		});
		// The wheels: exactly the expected ones, each once, each from its published
		// build, each with its bytes in the store.
		List<StoredWheel> wheels = wheels(jdbc);
		assertThat(wheels).extracting(StoredWheel::filename)
			.containsExactlyInAnyOrderElementsOf(expectedWheels.values());
		assertThat(jdbc.sql("""
				SELECT count(*) FROM wheel w JOIN build b ON b.id = w.build_id
				WHERE b.state <> 'PUBLISHED' OR b.project_id <> w.project_id OR b.version <> w.version
				""").query(Long.class).single()).as("wheels of builds that were not published").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM wheel_rejection").query(Long.class).single())
			.as("wheels the ingest refused")
			.isZero();
		for (StoredWheel wheel : wheels) {
			Path blob = blob(dataDir, wheel.sha256());
			assertThat(blob).as("the blob of %s", wheel.filename()).isRegularFile();
			assertThat(Files.size(blob)).isEqualTo(wheel.size());
			assertThat(Sha256.digest(Files.readAllBytes(blob)).hex()).isEqualTo(wheel.sha256());
		}
		// The index lists each wheel once, with the stored hash.
		for (StoredWheel wheel : wheels) {
			JsonNode page = projectPage(farm, wheel.project());
			List<JsonNode> listed = page.path("files")
				.valueStream()
				.filter((file) -> file.path("filename").asString().equals(wheel.filename()))
				.toList();
			assertThat(listed).as("%s on /simple/%s/", wheel.filename(), wheel.project()).hasSize(1);
			assertThat(listed.get(0).path("hashes").path("sha256").asString()).isEqualTo(wheel.sha256());
		}
	}

	/**
	 * How many pairs of runs of one singleton job overlapped in {@code job_run}; a run
	 * whose replica died counts until its lease ran out.
	 */
	static long overlappingSingletonRuns(JdbcClient jdbc) {
		return jdbc.sql("""
				SELECT count(*) FROM job_run r JOIN job_run s ON s.job = r.job AND s.id > r.id
				WHERE tstzrange(r.started_at, coalesce(r.finished_at, r.held_until))
				   && tstzrange(s.started_at, coalesce(s.finished_at, s.held_until))
				""").query(Long.class).single();
	}

	/** The key of a blob in the S3 blob store's bucket. */
	static String bucketKey(String sha256) {
		return "sha256/" + sha256.substring(0, 2) + "/" + sha256.substring(2, 4) + "/" + sha256;
	}

	static Path blob(Path dataDir, String sha256) {
		return dataDir.resolve("files/sha256")
			.resolve(sha256.substring(0, 2))
			.resolve(sha256.substring(2, 4))
			.resolve(sha256);
	}

	/** {@code /simple/<project>/} as pip asks for it (PEP 691 JSON). */
	static JsonNode projectPage(URI farm, String project) throws IOException, InterruptedException {
		HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(farm.resolve("/simple/" + project + "/"))
			.header("Accept", SIMPLE_JSON)
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as("/simple/%s/", project).isEqualTo(200);
		return JSON.readTree(response.body());
	}

}
