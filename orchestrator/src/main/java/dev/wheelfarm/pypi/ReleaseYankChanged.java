package dev.wheelfarm.pypi;

/**
 * A release was yanked or unyanked on PyPI (PEP 592); the index mirrors it within one
 * cycle because pip prefers a non-yanked copy.
 *
 * @param project the normalized project name
 * @param version the version as PyPI spells it
 * @param yanked whether it is yanked now
 * @param reason the yank reason PyPI gives, if any
 */
public record ReleaseYankChanged(String project, String version, boolean yanked, String reason) implements PypiChange {

	@Override
	public String kind() {
		return "RELEASE_YANK_CHANGED";
	}

}
