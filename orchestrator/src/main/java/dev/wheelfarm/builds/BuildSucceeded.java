package dev.wheelfarm.builds;

import java.nio.file.Path;
import java.util.List;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;

/**
 * A build ended with wheels whose names and hashes the orchestrator checked itself. The
 * index listens for it; nothing calls the index directly.
 *
 * @param buildId the build
 * @param project the project
 * @param version the release's version
 * @param wheels the wheels, in the build's output directory
 */
public record BuildSucceeded(long buildId, ProjectName project, String version, List<BuiltWheel> wheels) {

	public BuildSucceeded {
		wheels = List.copyOf(wheels);
	}

	/**
	 * A wheel as the orchestrator hashed it.
	 *
	 * @param filename its filename
	 * @param path where its bytes are
	 * @param sha256 the hash of those bytes
	 * @param size their size
	 */
	public record BuiltWheel(String filename, Path path, Sha256 sha256, long size) {

	}

}
