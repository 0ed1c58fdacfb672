package dev.wheelfarm.artifacts;

import java.util.List;

import dev.wheelfarm.shared.ProjectName;

/**
 * Files of a project were deleted (their rows became tombstones, committed): the index
 * drops what it cached for the project and takes them out of the static export.
 *
 * @param project the project
 * @param files the files that went
 */
public record FilesRemoved(ProjectName project, List<RemovedFile> files) {

	public FilesRemoved {
		files = List.copyOf(files);
	}

	/**
	 * One deleted file.
	 *
	 * @param filename its name, reserved for ever
	 * @param sha256 its bytes' hash (lowercase hex), which names its path under
	 * {@code /files/}
	 */
	public record RemovedFile(String filename, String sha256) {

	}

}
