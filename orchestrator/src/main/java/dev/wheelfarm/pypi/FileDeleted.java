package dev.wheelfarm.pypi;

/**
 * A file PyPI no longer lists, in a release that still exists.
 *
 * @param project the normalized project name
 * @param version the release it belonged to
 * @param filename the file's name
 */
public record FileDeleted(String project, String version, String filename) implements PypiChange {

	@Override
	public String kind() {
		return "FILE_DELETED";
	}

}
