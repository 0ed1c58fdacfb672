package dev.wheelfarm.pypi;

/**
 * A release PyPI no longer lists: the farm stops serving its wheels.
 *
 * @param project the normalized project name
 * @param version the version as PyPI spelled it
 */
public record ReleaseDeleted(String project, String version) implements PypiChange {

	@Override
	public String kind() {
		return "RELEASE_DELETED";
	}

}
