package dev.wheelfarm.artifacts;

import java.util.List;

import dev.wheelfarm.shared.ProjectName;

/**
 * New wheels of a project are stored and listed: the index drops what it cached for it.
 *
 * @param project the project
 * @param filenames the wheels that were added
 */
public record WheelsPublished(ProjectName project, List<String> filenames) {

	public WheelsPublished {
		filenames = List.copyOf(filenames);
	}

}
