package dev.wheelfarm.retention;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import dev.wheelfarm.artifacts.LocalBlobStore;
import dev.wheelfarm.artifacts.TestWheels;
import dev.wheelfarm.builds.WheelIngest;
import dev.wheelfarm.index.IndexFixtures;
import dev.wheelfarm.shared.Sha256;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A history of published versions as the farm really holds them: each wheel built into a
 * real file, verified and stored by the ingest, then aged by moving its {@code stored_at}
 * and its blob's modification time into the past together.
 */
final class RetentionFixtures {

	private final JdbcClient jdbc;

	private final WheelIngest ingest;

	private final LocalBlobStore blobs;

	private final Path scratch;

	RetentionFixtures(JdbcClient jdbc, WheelIngest ingest, LocalBlobStore blobs, Path scratch) {
		this.jdbc = jdbc;
		this.ingest = ingest;
		this.blobs = blobs;
		this.scratch = scratch;
	}

	long optedIn(String name) {
		return new IndexFixtures(this.jdbc).optedIn(name);
	}

	/**
	 * An opted-in project whose repository config sets a retention policy, stored as the
	 * opt-in stores a valid config.
	 */
	long optedIn(String name, String appliesTo, int keepNewest, int maxAgeDays) {
		long project = optedIn(name);
		String config = "{\"retention\": {\"applies-to\": \"%s\", \"keep-newest\": %d, \"max-age-days\": %d}}"
			.formatted(appliesTo, keepNewest, maxAgeDays);
		this.jdbc.sql("""
				UPDATE repository SET config = CAST(:config AS jsonb)
				WHERE id = (SELECT repository_id FROM project WHERE id = :project)
				""").param("config", config).param("project", project).update();
		return project;
	}

	/** Builds, ingests and ages one pure wheel of {@code name} {@code version}. */
	Stored publish(long project, String name, String version, int daysAgo) throws IOException {
		TestWheels wheel = TestWheels.of(name, version);
		Path directory = Files.createDirectories(this.scratch.resolve(name + "-" + version));
		Path path = wheel.write(directory, wheel.filename());
		long build = new IndexFixtures(this.jdbc).succeededBuild(project, version);
		WheelIngest.Outcome outcome = this.ingest.ingest(IndexFixtures.event(build, name, version, path));
		assertThat(outcome.rejections()).as("ingest of %s", wheel.filename()).isEmpty();
		Stored stored = this.jdbc.sql("SELECT filename, sha256, metadata_sha256 FROM wheel WHERE filename = :f")
			.param("f", wheel.filename())
			.query(Stored.class)
			.single();
		age(stored, daysAgo);
		return stored;
	}

	/** Moves the file's storing time, in the database and on disk, {@code days} back. */
	void age(Stored stored, int days) throws IOException {
		Instant then = Instant.now().minus(Duration.ofDays(days));
		this.jdbc.sql("UPDATE wheel SET stored_at = :t WHERE filename = :f")
			.param("t", java.sql.Timestamp.from(then))
			.param("f", stored.filename())
			.update();
		for (String hash : new String[] { stored.sha256(), stored.metadataSha256() }) {
			Files.setLastModifiedTime(this.blobs.path(Sha256.of(hash)), FileTime.from(then));
		}
	}

	boolean blob(String hash) {
		return this.blobs.contains(Sha256.of(hash));
	}

	record Stored(String filename, String sha256, String metadataSha256) {

	}

}
