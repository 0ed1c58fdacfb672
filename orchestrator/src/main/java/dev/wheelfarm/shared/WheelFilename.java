package dev.wheelfarm.shared;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed wheel file name, {@code {name}-{version}(-{build tag})?-{python tag}-{abi
 * tag}-{platform tag}.whl} (PEP 427, packaging.python.org "Binary distribution format").
 * Each tag part may be a compressed set joined by {@code .}, as in
 * {@code six-1.16.0-py2.py3-none-any.whl}.
 */
public final class WheelFilename {

	private static final String EXTENSION = ".whl";

	/** Longer names are refused: no real wheel comes close, and they end up in URLs. */
	public static final int MAX_LENGTH = 1024;

	private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_]+");

	private final String filename;

	private final ProjectName projectName;

	private final Version version;

	private final BuildTag buildTag;

	private final Set<String> pythonTags;

	private final Set<String> abiTags;

	private final Set<String> platformTags;

	private final Set<Tag> tags;

	private WheelFilename(String filename, ProjectName projectName, Version version, BuildTag buildTag,
			Set<String> pythonTags, Set<String> abiTags, Set<String> platformTags) {
		this.filename = filename;
		this.projectName = projectName;
		this.version = version;
		this.buildTag = buildTag;
		this.pythonTags = pythonTags;
		this.abiTags = abiTags;
		this.platformTags = platformTags;
		Set<Tag> expanded = new LinkedHashSet<>();
		for (String python : pythonTags) {
			for (String abi : abiTags) {
				for (String platform : platformTags) {
					expanded.add(new Tag(python, abi, platform));
				}
			}
		}
		this.tags = Collections.unmodifiableSet(expanded);
	}

	/**
	 * Parses a wheel file name (a bare name, not a path).
	 * @throws InvalidWheelFilenameException saying which part is wrong
	 */
	public static WheelFilename parse(String filename) {
		if (filename == null) {
			throw new InvalidWheelFilenameException("Wheel filename must not be null");
		}
		if (filename.length() > MAX_LENGTH) {
			fail(filename, "it is longer than " + MAX_LENGTH + " characters");
		}
		if (filename.indexOf('/') >= 0 || filename.indexOf('\\') >= 0) {
			fail(filename, "it must be a bare file name, without '/' or '\\'");
		}
		if (!filename.endsWith(EXTENSION)) {
			fail(filename, "it does not end with '.whl'");
		}
		String stem = filename.substring(0, filename.length() - EXTENSION.length());
		String[] parts = stem.split("-", -1);
		if (parts.length != 5 && parts.length != 6) {
			fail(filename, "expected 5 or 6 parts separated by '-' "
					+ "(name-version[-build]-python-abi-platform.whl), found " + parts.length);
		}
		ProjectName name = projectName(filename, parts[0]);
		Version version = version(filename, parts[1]);
		BuildTag build = (parts.length == 6) ? buildTag(filename, parts[2]) : null;
		int tagsAt = parts.length - 3;
		Set<String> python = tagSet(filename, "python", parts[tagsAt]);
		Set<String> abi = tagSet(filename, "abi", parts[tagsAt + 1]);
		Set<String> platform = tagSet(filename, "platform", parts[tagsAt + 2]);
		return new WheelFilename(filename, name, version, build, python, abi, platform);
	}

	private static ProjectName projectName(String filename, String part) {
		if (!ProjectName.isValid(part)) {
			fail(filename, "the name part " + Quoting.quote(part) + " is not a valid project name");
		}
		return ProjectName.of(part);
	}

	// Wheel names replace '-' with '_' in the version (e.g. an implicit post release
	// 1.0-1 written as 1.0_1), so it is put back before parsing.
	private static Version version(String filename, String part) {
		try {
			return Version.parse(part.replace('_', '-'));
		}
		catch (InvalidVersionException ex) {
			throw new InvalidWheelFilenameException("Invalid wheel filename " + Quoting.quote(filename)
					+ ": the version part " + Quoting.quote(part) + " is not a PEP 440 version", ex);
		}
	}

	private static BuildTag buildTag(String filename, String part) {
		try {
			return BuildTag.parse(part);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidWheelFilenameException(
					"Invalid wheel filename " + Quoting.quote(filename) + ": " + ex.getMessage(), ex);
		}
	}

	private static Set<String> tagSet(String filename, String kind, String part) {
		Set<String> tags = new LinkedHashSet<>();
		for (String tag : part.split("\\.", -1)) {
			if (!TAG.matcher(tag).matches()) {
				fail(filename, "the " + kind + " tag " + Quoting.quote(part)
						+ " must be one or more tags of letters, digits and '_', separated by '.'");
			}
			tags.add(tag.toLowerCase(Locale.ROOT));
		}
		return Collections.unmodifiableSet(tags);
	}

	private static void fail(String filename, String problem) {
		throw new InvalidWheelFilenameException("Invalid wheel filename " + Quoting.quote(filename) + ": " + problem);
	}

	public String filename() {
		return this.filename;
	}

	public ProjectName projectName() {
		return this.projectName;
	}

	public Version version() {
		return this.version;
	}

	public Optional<BuildTag> buildTag() {
		return Optional.ofNullable(this.buildTag);
	}

	/** The leading digits of the build tag, if there is one. */
	public OptionalLong buildNumber() {
		return (this.buildTag != null) ? OptionalLong.of(this.buildTag.number()) : OptionalLong.empty();
	}

	/** The rest of the build tag after its number; empty without a build tag. */
	public String buildSuffix() {
		return (this.buildTag != null) ? this.buildTag.suffix() : "";
	}

	/** The python tags as written (lowercase), e.g. {@code [py2, py3]}. */
	public Set<String> pythonTags() {
		return this.pythonTags;
	}

	public Set<String> abiTags() {
		return this.abiTags;
	}

	public Set<String> platformTags() {
		return this.platformTags;
	}

	/** Every tag the compressed tag sets stand for (their cartesian product). */
	public Set<Tag> tags() {
		return this.tags;
	}

	/**
	 * Whether the wheel runs anywhere: every ABI is {@code none} and every platform
	 * {@code any}.
	 */
	public boolean isPure() {
		return this.abiTags.equals(Set.of("none")) && this.platformTags.equals(Set.of("any"));
	}

	public Set<PlatformFamily> platformFamilies() {
		Set<PlatformFamily> families = EnumSet.noneOf(PlatformFamily.class);
		for (String platform : this.platformTags) {
			families.add(PlatformFamily.of(platform));
		}
		return Collections.unmodifiableSet(families);
	}

	@Override
	public boolean equals(Object obj) {
		return obj instanceof WheelFilename other && this.filename.equals(other.filename);
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
