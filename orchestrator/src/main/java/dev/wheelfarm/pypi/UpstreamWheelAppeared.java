package dev.wheelfarm.pypi;

/**
 * PyPI gained a wheel for a release the farm has built: the index withdraws the farm's
 * wheel with the same tags, so upstream is never shadowed.
 *
 * @param project the normalized project name
 * @param version the release
 * @param filename the upstream wheel's filename
 * @param sha256 PyPI's hash of it
 */
public record UpstreamWheelAppeared(String project, String version, String filename,
		String sha256) implements PypiChange {

	@Override
	public String kind() {
		return "UPSTREAM_WHEEL_APPEARED";
	}

}
