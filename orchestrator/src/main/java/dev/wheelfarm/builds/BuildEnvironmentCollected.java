package dev.wheelfarm.builds;

import java.util.List;

/**
 * The dispatcher collected a run whose worker recorded what the build's isolated
 * environment installed; {@link BuildEnvironments} keeps it.
 *
 * @param buildId the build
 * @param dependencies what its latest attempt's environment installed
 */
public record BuildEnvironmentCollected(long buildId, List<BuildEnvironments.Dependency> dependencies) {

	public BuildEnvironmentCollected {
		dependencies = List.copyOf(dependencies);
	}

}
