package dev.wheelfarm.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import dev.wheelfarm.builds.BuildSucceeded.BuiltWheel;
import dev.wheelfarm.builds.BuildSucceeded;
import dev.wheelfarm.builds.WheelIngest;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Rows as the other features write them: an opted-in project, PyPI's releases and files
 * (the watcher's rows), and a build that succeeded (the dispatcher's), so that index
 * tests need neither PyPI nor a builder.
 */
public final class IndexFixtures {

	private final JdbcClient jdbc;

	public IndexFixtures(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	public long optedIn(String name) {
		long repository = this.jdbc.sql("INSERT INTO repository (url) VALUES (:url) RETURNING id")
			.param("url", "https://git.example/" + name + ".git")
			.query(Long.class)
			.single();
		return this.jdbc.sql("""
				INSERT INTO project (name, display_name, repository_id, optin_state)
				VALUES (:name, :name, :repository, 'OPTED_IN') RETURNING id
				""").param("name", name).param("repository", repository).query(Long.class).single();
	}

	long project(String name, String state) {
		return this.jdbc.sql("INSERT INTO project (name, display_name, optin_state) VALUES (:n, :n, :s) RETURNING id")
			.param("n", name)
			.param("s", state)
			.query(Long.class)
			.single();
	}

	long release(long project, String version) {
		return this.jdbc.sql("INSERT INTO release (project_id, version, pep440) VALUES (:p, :v, true) RETURNING id")
			.param("p", project)
			.param("v", version)
			.query(Long.class)
			.single();
	}

	long pypiFile(long release, String filename, String kind, String url, String sha256, long size) {
		return this.jdbc.sql("""
				INSERT INTO pypi_file (release_id, filename, kind, url, sha256, size, upload_time, requires_python)
				VALUES (:r, :f, :k, :u, :h, :s, :t, '>=3.8') RETURNING id
				""")
			.param("r", release)
			.param("f", filename)
			.param("k", kind)
			.param("u", url)
			.param("h", sha256)
			.param("s", size)
			.param("t", java.sql.Timestamp.from(Instant.parse("2024-01-02T03:04:05.678901Z")))
			.query(Long.class)
			.single();
	}

	/** A build of the project's version that the dispatcher reported as succeeded. */
	public long succeededBuild(long project, String version) {
		long id = this.jdbc
			.sql("""
					INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint, origin)
					VALUES (:p, :v, 'x.tar.gz', 'https://files.example/x.tar.gz', repeat('a', 64), md5(random()::text) || md5(random()::text), 'watcher')
					RETURNING id
					""")
			.param("p", project)
			.param("v", version)
			.query(Long.class)
			.single();
		this.jdbc
			.sql("UPDATE build SET state = 'DISPATCHED', builder = 'local', external_run_id = 'run' WHERE id = :id")
			.param("id", id)
			.update();
		this.jdbc.sql("UPDATE build SET state = 'SUCCEEDED' WHERE id = :id").param("id", id).update();
		return id;
	}

	public String buildState(long build) {
		return this.jdbc.sql("SELECT state FROM build WHERE id = :id").param("id", build).query(String.class).single();
	}

	public static BuildSucceeded event(long build, String project, String version, Path... wheels) throws IOException {
		List<BuiltWheel> built = new java.util.ArrayList<>();
		for (Path wheel : wheels) {
			built.add(new BuiltWheel(wheel.getFileName().toString(), wheel, Sha256.digest(Files.readAllBytes(wheel)),
					Files.size(wheel)));
		}
		return new BuildSucceeded(build, ProjectName.of(project), version, built);
	}

	static WheelIngest.Outcome ingest(WheelIngest ingest, BuildSucceeded event) {
		return ingest.ingest(event);
	}

}
