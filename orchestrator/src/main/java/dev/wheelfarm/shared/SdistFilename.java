package dev.wheelfarm.shared;

import java.util.Objects;
import java.util.Optional;

/**
 * A parsed source distribution file name: {@code {name}-{version}.tar.gz} (PEP 625,
 * packaging.python.org "Source distribution format") or one of the legacy forms, whose
 * names were not normalized and whose archives may be {@code .zip} and others.
 */
public final class SdistFilename {

	/** Longer names are refused: no real sdist comes close, and they end up in URLs. */
	public static final int MAX_LENGTH = 1024;

	private final String filename;

	private final String namePart;

	private final ProjectName projectName;

	private final String rawVersion;

	private final Version version;

	private final SdistFormat format;

	private SdistFilename(String filename, String namePart, ProjectName projectName, String rawVersion,
			SdistFormat format) {
		this.filename = filename;
		this.namePart = namePart;
		this.projectName = projectName;
		this.rawVersion = rawVersion;
		this.version = Version.tryParse(rawVersion).orElse(null);
		this.format = format;
	}

	/**
	 * Parses the file name of a release of a known project. Legacy names may contain
	 * dashes ({@code foo-bar-1.0.zip}), so the expected name decides where the version
	 * starts: its prefix is matched case-insensitively, with {@code -_.} equivalent.
	 * @throws InvalidSdistFilenameException if the name is not an sdist of that project
	 */
	public static SdistFilename parse(String filename, ProjectName expected) {
		Objects.requireNonNull(expected, "expected");
		String stem = stem(filename);
		for (int dash = stem.indexOf('-'); dash >= 0; dash = stem.indexOf('-', dash + 1)) {
			String namePart = stem.substring(0, dash);
			if (ProjectName.sameNormalizedName(namePart, expected.value())) {
				return create(filename, namePart, expected, stem.substring(dash + 1));
			}
		}
		throw fail(filename, "it does not start with the project name " + Quoting.quote(expected.value())
				+ " followed by '-' and a version");
	}

	/**
	 * Parses a file name without knowing its project. The name is split at the last
	 * {@code -} that is followed by a PEP 440 version; failing that, at the last
	 * {@code -}, leaving a legacy version that {@link #version()} cannot parse.
	 * @throws InvalidSdistFilenameException if no split gives a valid project name
	 */
	public static SdistFilename parse(String filename) {
		String stem = stem(filename);
		int lastDash = stem.lastIndexOf('-');
		if (lastDash < 0) {
			throw fail(filename, "it has no '-' between the project name and the version");
		}
		for (int dash = lastDash; dash >= 0; dash = stem.lastIndexOf('-', dash - 1)) {
			String namePart = stem.substring(0, dash);
			if (ProjectName.isValid(namePart) && Version.tryParse(stem.substring(dash + 1)).isPresent()) {
				return create(filename, namePart, ProjectName.of(namePart), stem.substring(dash + 1));
			}
		}
		String namePart = stem.substring(0, lastDash);
		if (!ProjectName.isValid(namePart)) {
			throw fail(filename, "the name part " + Quoting.quote(namePart) + " is not a valid project name");
		}
		return create(filename, namePart, ProjectName.of(namePart), stem.substring(lastDash + 1));
	}

	private static String stem(String filename) {
		if (filename == null) {
			throw new InvalidSdistFilenameException("Sdist filename must not be null");
		}
		if (filename.length() > MAX_LENGTH) {
			throw fail(filename, "it is longer than " + MAX_LENGTH + " characters");
		}
		if (filename.indexOf('/') >= 0 || filename.indexOf('\\') >= 0) {
			throw fail(filename, "it must be a bare file name, without '/' or '\\'");
		}
		SdistFormat format = SdistFormat.ofFilename(filename);
		if (format == null) {
			throw fail(filename,
					"it does not end with '.tar.gz' (or a legacy '.zip', '.tar.bz2', '.tar.xz', " + "'.tgz', '.tar')");
		}
		return filename.substring(0, filename.length() - format.extension().length());
	}

	private static SdistFilename create(String filename, String namePart, ProjectName projectName, String rawVersion) {
		if (rawVersion.isEmpty()) {
			throw fail(filename, "the version after " + Quoting.quote(namePart + "-") + " is empty");
		}
		return new SdistFilename(filename, namePart, projectName, rawVersion, SdistFormat.ofFilename(filename));
	}

	private static InvalidSdistFilenameException fail(String filename, String problem) {
		return new InvalidSdistFilenameException("Invalid sdist filename " + Quoting.quote(filename) + ": " + problem);
	}

	public String filename() {
		return this.filename;
	}

	public ProjectName projectName() {
		return this.projectName;
	}

	/** The version as written in the file name, PEP 440 or not. */
	public String rawVersion() {
		return this.rawVersion;
	}

	/** The version, if the raw version is a PEP 440 one. */
	public Optional<Version> version() {
		return Optional.ofNullable(this.version);
	}

	public SdistFormat format() {
		return this.format;
	}

	/**
	 * Whether the name is exactly PEP 625's: {@code .tar.gz}, the normalized name with
	 * {@code _}, and the normalized version.
	 */
	public boolean isPep625() {
		return this.format == SdistFormat.TAR_GZ && this.filename.endsWith(SdistFormat.TAR_GZ.extension())
				&& this.namePart.equals(this.projectName.wheelPrefix()) && this.version != null
				&& this.version.toString().equals(this.rawVersion);
	}

	@Override
	public boolean equals(Object obj) {
		return obj instanceof SdistFilename other && this.filename.equals(other.filename);
	}

	@Override
	public int hashCode() {
		return this.filename.hashCode();
	}

	@Override
	public String toString() {
		return this.filename;
	}

}
