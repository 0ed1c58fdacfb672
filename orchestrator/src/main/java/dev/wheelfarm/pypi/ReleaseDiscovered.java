package dev.wheelfarm.pypi;

/**
 * A release with at least one sdist and no wheel, inside the maintainer's settings: a
 * build candidate.
 *
 * @param project the normalized project name
 * @param version the version as PyPI spells it
 * @param sdistFilename the sdist to build from
 * @param sdistUrl where PyPI serves it
 * @param sdistSha256 PyPI's hash of it, to verify the download
 * @param requiresPython the sdist's {@code requires-python}, if any
 */
public record ReleaseDiscovered(String project, String version, String sdistFilename, String sdistUrl,
		String sdistSha256, String requiresPython) implements PypiChange {

	@Override
	public String kind() {
		return "RELEASE_DISCOVERED";
	}

}
