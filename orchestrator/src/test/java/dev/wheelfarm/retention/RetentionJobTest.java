package dev.wheelfarm.retention;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.wheelfarm.artifacts.FilesRemoved;
import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.builds.WheelIngest;
import dev.wheelfarm.index.IndexFixtures;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.testsupport.IntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code retention} job through Spring Batch, on a real PostgreSQL with real stored
 * blobs and a real static export: what the policy removes leaves the Simple API (JSON and
 * HTML), {@code /files/} and the export in the same run; shared bytes survive; a removed
 * name is never taken again. The page cache lives for an hour here, so only the removal
 * event can explain a page that changed (see {@link RetentionIntegrationTest}).
 */
@IntegrationTest
class RetentionJobTest extends RetentionIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Autowired
	ApplicationEventPublisher events;

	@Test
	void aRunRemovesWhatThePolicySaysFromTheIndexTheFilesAndTheExport() throws Exception {
		RetentionFixtures rows = fixtures();
		long project = rows.optedIn("nightly");
		// Idle for 90 days: 8 nightlies, one a day, the newest 90 days old; and a final
		// release older than all of them.
		List<RetentionFixtures.Stored> dev = new ArrayList<>();
		for (int n = 1; n <= 8; n++) {
			dev.add(rows.publish(project, "nightly", "1.0.dev" + n, 90 + (8 - n)));
		}
		RetentionFixtures.Stored finalRelease = rows.publish(project, "nightly", "0.9", 400);
		// The same bytes as dev1's wheel, listed under another project's name: a blob
		// two rows share.
		long mirror = rows.optedIn("mirror");
		long mirrorBuild = new IndexFixtures(this.jdbc).succeededBuild(mirror, "5.0");
		this.jdbc.sql("""
				INSERT INTO wheel (build_id, project_id, version, filename, sha256, size, metadata_sha256)
				SELECT :build, :project, '5.0', 'mirror-5.0-py3-none-any.whl', sha256, size, metadata_sha256
				FROM wheel WHERE filename = :f
				""").param("build", mirrorBuild).param("project", mirror).param("f", dev.get(0).filename()).update();
		exportNow();
		assertThat(filenames(simpleJson("nightly"))).contains(dev.get(0).filename(), dev.get(2).filename());
		assertThat(exported(dev.get(1))).exists();

		runJob();

		List<String> removed = List.of(dev.get(0).filename(), dev.get(1).filename(), dev.get(2).filename());
		List<String> kept = new ArrayList<>(
				dev.subList(3, 8).stream().map(RetentionFixtures.Stored::filename).toList());
		kept.add(finalRelease.filename());
		// The Simple API, both forms: the newest 5 nightlies and the final release stay.
		JsonNode page = simpleJson("nightly");
		assertThat(filenames(page)).containsExactlyInAnyOrderElementsOf(kept);
		assertThat(page.at("/versions").values().stream().map(JsonNode::asString).toList()).containsExactly("0.9",
				"1.0.dev4", "1.0.dev5", "1.0.dev6", "1.0.dev7", "1.0.dev8");
		String html = get("/simple/nightly/", "text/html").body();
		assertThat(html).contains(kept.get(0)).doesNotContain("1.0.dev1-", "1.0.dev2-", "1.0.dev3-");
		// The files themselves are gone from /files/.
		assertThat(get(filePath(dev.get(1)), null).statusCode()).isEqualTo(404);
		assertThat(get(filePath(dev.get(3)), null).statusCode()).isEqualTo(200);
		// The static export was rewritten in the same run (its own interval is an hour).
		String exportedPage = Files.readString(EXPORT.resolve("simple/nightly/index.json"));
		assertThat(exportedPage).doesNotContain("1.0.dev1-", "1.0.dev2-", "1.0.dev3-").contains(kept.get(0));
		assertThat(exported(dev.get(1))).doesNotExist();
		assertThat(exported(dev.get(1)).resolveSibling(dev.get(1).filename() + ".metadata")).doesNotExist();
		assertThat(exported(dev.get(3))).exists();
		// Storage: bytes no remaining file needs are deleted; shared bytes survive.
		assertThat(rows.blob(dev.get(1).sha256())).isFalse();
		assertThat(rows.blob(dev.get(1).metadataSha256())).isFalse();
		assertThat(rows.blob(dev.get(0).sha256())).as("shared with mirror-5.0").isTrue();
		assertThat(rows.blob(dev.get(0).metadataSha256())).as("the same wheel, the same METADATA").isTrue();
		assertThat(rows.blob(dev.get(7).sha256())).isTrue();
		assertThat(rows.blob(finalRelease.sha256())).isTrue();
		// The run and what it removed are recorded; the rows stay as tombstones.
		long run = this.jdbc.sql("SELECT max(id) FROM retention_run").query(Long.class).single();
		assertThat(this.jdbc.sql("SELECT files_removed FROM retention_run WHERE id = :id AND finished_at IS NOT NULL")
			.param("id", run)
			.query(Integer.class)
			.single()).isEqualTo(3);
		assertThat(this.jdbc.sql("SELECT filename FROM wheel WHERE retention_run_id = :run ORDER BY filename")
			.param("run", run)
			.query(String.class)
			.list()).containsExactlyElementsOf(removed);

		// A second run has nothing left to do.
		runJob();
		assertThat(this.jdbc.sql("SELECT files_removed FROM retention_run ORDER BY id DESC LIMIT 1")
			.query(Integer.class)
			.single()).isZero();
		assertThat(filenames(simpleJson("nightly"))).containsExactlyInAnyOrderElementsOf(kept);
	}

	@Test
	void aRemovedFilenameIsRefusedOnReIngestWhateverItsBytes() throws Exception {
		RetentionFixtures rows = fixtures();
		long project = rows.optedIn("reused", "prereleases", 1, 1);
		RetentionFixtures.Stored old = rows.publish(project, "reused", "2.0a1", 10);
		rows.publish(project, "reused", "2.0a2", 5);
		runJob();
		assertThat(filenames(simpleJson("reused"))).doesNotContain(old.filename());

		IndexFixtures builds = new IndexFixtures(this.jdbc);
		Path same = TestWheels.of("reused", "2.0a1")
			.write(Files.createDirectories(SCRATCH.resolve("same")), old.filename());
		Path other = TestWheels.of("reused", "2.0a1")
			.member("reused/extra.py", "X = 1\n".getBytes())
			.write(Files.createDirectories(SCRATCH.resolve("other")), old.filename());
		for (Path wheel : List.of(same, other)) {
			long build = builds.succeededBuild(project, "2.0a1");
			WheelIngest.Outcome outcome = this.ingest.ingest(IndexFixtures.event(build, "reused", "2.0a1", wheel));
			assertThat(outcome.published()).isEmpty();
			assertThat(outcome.rejections()).singleElement()
				.satisfies((rejection) -> assertThat(rejection.reason()).contains("was removed on")
					.contains("never reused, even after deletion"));
			assertThat(builds.buildState(build)).isEqualTo("SUCCEEDED");
		}
		assertThat(filenames(simpleJson("reused"))).doesNotContain(old.filename());
	}

	@Test
	void theSweepDeletesBlobsACrashLeftBehindAfterTheCommit() throws Exception {
		RetentionFixtures rows = fixtures();
		long project = rows.optedIn("crashed");
		RetentionFixtures.Stored orphan = rows.publish(project, "crashed", "3.0", 50);
		// The state a crash between a removal's commit and its blob deletion leaves: a
		// tombstone whose bytes are still on disk.
		this.jdbc.sql("UPDATE wheel SET removed_at = now(), removed_reason = 'retention' WHERE filename = :f")
			.param("f", orphan.filename())
			.update();
		assertThat(rows.blob(orphan.sha256())).isTrue();
		runJob();
		assertThat(rows.blob(orphan.sha256())).isFalse();
		assertThat(rows.blob(orphan.metadataSha256())).isFalse();
	}

	@Test
	void theSweepDeletesBytesNoFileNamesAnyMoreAndKeepsWhatIsListed() throws Exception {
		RetentionFixtures rows = fixtures();
		long project = rows.optedIn("swept");
		RetentionFixtures.Stored listed = rows.publish(project, "swept", "1.0", 50);
		Instant twoHoursAgo = Instant.now().minus(Duration.ofHours(2));
		// Bytes whose row is gone: a discarded stage's file, or an ingest that died
		// between storing its bytes and listing them.
		Sha256 unlisted = storeAt("bytes of a discarded stage", twoHoursAgo);
		Sha256 fresh = storeAt("bytes an ingest stored a minute ago", Instant.now().minus(Duration.ofMinutes(1)));
		Path partial = this.blobs.path(unlisted).resolveSibling(".incoming-123.tmp");
		Files.writeString(partial, "half a wheel");
		Files.setLastModifiedTime(partial, FileTime.from(twoHoursAgo));

		runJob();

		assertThat(this.blobs.contains(unlisted)).as("no file names these bytes").isFalse();
		assertThat(partial).as("a partial write nobody finished").doesNotExist();
		assertThat(this.blobs.contains(fresh)).as("within the grace period").isTrue();
		assertThat(rows.blob(listed.sha256())).as("a listed file's bytes, however old").isTrue();
		assertThat(rows.blob(listed.metadataSha256())).isTrue();
	}

	private Sha256 storeAt(String content, Instant when) throws IOException {
		byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
		Sha256 hash = Sha256.digest(bytes);
		this.blobs.store(bytes, hash);
		Files.setLastModifiedTime(this.blobs.path(hash), FileTime.from(when));
		return hash;
	}

	@Test
	void bytesStoredWithinTheGracePeriodAreLeftForAnIngestInFlight() throws Exception {
		RetentionFixtures rows = fixtures();
		long project = rows.optedIn("inflight", "all", 1, 1);
		RetentionFixtures.Stored old = rows.publish(project, "inflight", "1.0", 10);
		rows.publish(project, "inflight", "2.0", 0);
		// An ingest has just stored the same bytes again (under a name it is about to
		// list): the blob is fresh, so it stays although no listed row names it yet.
		Sha256 bytes = Sha256.of(old.sha256());
		this.blobs.store(Files.readAllBytes(this.blobs.path(bytes)), bytes);
		runJob();
		assertThat(filenames(simpleJson("inflight"))).doesNotContain(old.filename());
		assertThat(rows.blob(old.sha256())).isTrue();
		assertThat(rows.blob(old.metadataSha256())).isFalse();
	}

	/**
	 * A full export now, as the export schedule would at its next interval (an hour
	 * here): the export listens for removals, and an empty one changes no row.
	 */
	private void exportNow() {
		this.events.publishEvent(new FilesRemoved(ProjectName.of("nightly"), List.of()));
	}

	private Path exported(RetentionFixtures.Stored file) {
		return EXPORT.resolve(filePath(file).substring(1));
	}

	private static String filePath(RetentionFixtures.Stored file) {
		return "/files/" + file.sha256().substring(0, 2) + "/" + file.sha256() + "/" + file.filename();
	}

	private JsonNode simpleJson(String project) throws Exception {
		HttpResponse<String> response = get("/simple/" + project + "/", PIP_ACCEPT);
		assertThat(response.statusCode()).isEqualTo(200);
		return JSON.readTree(response.body());
	}

	private static List<String> filenames(JsonNode page) {
		return page.at("/files").values().stream().map((file) -> file.at("/filename").asString()).toList();
	}

}
