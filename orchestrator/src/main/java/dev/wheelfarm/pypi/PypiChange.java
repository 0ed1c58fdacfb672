package dev.wheelfarm.pypi;

/**
 * Something the watcher noticed on PyPI for an opted-in project. Each one is stored in
 * {@code pypi_change} in the transaction that records it and then published as an
 * application event, so other features listen instead of being called.
 */
public sealed interface PypiChange
		permits ReleaseDiscovered, ReleaseYankChanged, ReleaseDeleted, FileDeleted, UpstreamWheelAppeared {

	/** The normalized project name. */
	String project();

	/** The release's version string as PyPI spells it. */
	String version();

	/** The {@code pypi_change.kind} value. */
	String kind();

	/** The file this change is about, if it is about one file. */
	default String filename() {
		return null;
	}

}
