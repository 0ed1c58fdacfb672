package dev.wheelfarm.builds;

import java.util.List;

import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * What each build's isolated environment installed from the package index (table
 * {@code build_dependency}): the record of which build requirements, in which versions
 * and with which hashes, made a wheel.
 */
@Repository
public class BuildEnvironments {

	private static final String FORGET = "DELETE FROM build_dependency WHERE build_id = :build";

	private static final String ADD = """
			INSERT INTO build_dependency (build_id, filename, name, version, sha256, size)
			VALUES (:build, :filename, :name, :version, :sha256, :size)
			ON CONFLICT (build_id, filename) DO NOTHING
			""";

	private static final String OF_BUILD = """
			SELECT name, version, filename, sha256, size FROM build_dependency WHERE build_id = :build
			ORDER BY name, filename
			""";

	private final JdbcClient jdbc;

	public BuildEnvironments(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Keeps what the dispatcher collected, in the dispatcher's thread. */
	@EventListener
	void on(BuildEnvironmentCollected collected) {
		record(collected.buildId(), collected.dependencies());
	}

	/** Replaces what is recorded for the build with its latest attempt's environment. */
	@Transactional
	public void record(long buildId, List<Dependency> dependencies) {
		this.jdbc.sql(FORGET).param("build", buildId).update();
		for (Dependency dependency : dependencies) {
			this.jdbc.sql(ADD)
				.param("build", buildId)
				.param("filename", dependency.filename())
				.param("name", dependency.name())
				.param("version", dependency.version())
				.param("sha256", dependency.sha256())
				.param("size", dependency.size())
				.update();
		}
	}

	/** The build's environment, by project name. */
	public List<Dependency> of(long buildId) {
		return this.jdbc.sql(OF_BUILD).param("build", buildId).query(Dependency.class).list();
	}

	/**
	 * One file a build's environment installed.
	 *
	 * @param name the normalized project name
	 * @param version its version ({@code null} when the filename does not say)
	 * @param filename the file's name on the index
	 * @param sha256 the hash of the bytes the build received
	 * @param size their number
	 */
	public record Dependency(String name, String version, String filename, String sha256, long size) {
	}

}
