package dev.wheelfarm.artifacts;

import java.util.List;

import dev.wheelfarm.shared.ProjectName;

/**
 * Wheels of a project are no longer listed (PyPI gained official ones): the index drops
 * what it cached for it.
 *
 * @param project the project
 * @param filenames the wheels that were withdrawn
 */
public record WheelsWithdrawn(ProjectName project, List<String> filenames) {

	public WheelsWithdrawn {
		filenames = List.copyOf(filenames);
	}

}
