package dev.wheelfarm.builds;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.wheelfarm.provenance.VerifiedAttestation;

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
 * @param attestations the verified PEP 740 attestations of each wheel, by filename (none
 * for an engine whose runs are not attested)
 */
public record BuildSucceeded(long buildId, ProjectName project, String version, List<BuiltWheel> wheels,
		Map<String, List<VerifiedAttestation>> attestations) {

	public BuildSucceeded {
		wheels = List.copyOf(wheels);
		attestations = Map.copyOf(attestations);
	}

	/** A build whose wheels carry no attestation (the local builder's). */
	public BuildSucceeded(long buildId, ProjectName project, String version, List<BuiltWheel> wheels) {
		this(buildId, project, version, wheels, Map.of());
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
