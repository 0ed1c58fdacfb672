package dev.wheelfarm.shared;

import java.util.Locale;

/**
 * The archive formats of source distributions found on PyPI. Only {@code .tar.gz} is
 * standard (PEP 625); the others are legacy uploads that still need to be recognised.
 */
public enum SdistFormat {

	// Longer extensions first so ".tar.gz" is not taken for something else.
	TAR_GZ(".tar.gz", false), TAR_BZ2(".tar.bz2", true), TAR_XZ(".tar.xz", true), TGZ(".tgz", true), ZIP(".zip", true),
	TAR(".tar", true);

	private final String extension;

	private final boolean legacy;

	SdistFormat(String extension, boolean legacy) {
		this.extension = extension;
		this.legacy = legacy;
	}

	public String extension() {
		return this.extension;
	}

	/** Whether the spec no longer allows this format for new uploads. */
	public boolean isLegacy() {
		return this.legacy;
	}

	/** The format of a file name, by its extension (case-insensitive), or null. */
	static SdistFormat ofFilename(String filename) {
		String lower = filename.toLowerCase(Locale.ROOT);
		for (SdistFormat format : values()) {
			if (lower.endsWith(format.extension)) {
				return format;
			}
		}
		return null;
	}

}
