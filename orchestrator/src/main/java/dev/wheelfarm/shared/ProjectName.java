package dev.wheelfarm.shared;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A Python project name in its PEP 503 normalized form: the key of every project in the
 * farm and the path segment of its simple index page ({@code /simple/<value>/}).
 *
 * @param value the normalized name: lowercase, runs of {@code -_.} replaced by one
 * {@code -}
 */
public record ProjectName(String value) implements Comparable<ProjectName> {

	/** Warehouse refuses longer names; so do we, before they reach a URL or a column. */
	public static final int MAX_LENGTH = 200;

	// packaging.python.org "Core metadata", Name: ASCII only, hence no UNICODE_CASE.
	private static final Pattern VALID = Pattern.compile("^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$",
			Pattern.CASE_INSENSITIVE);

	private static final Pattern SEPARATOR_RUNS = Pattern.compile("[-_.]+");

	private static final Pattern NORMALIZED = Pattern.compile("^([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$");

	/**
	 * Takes an already normalized name as stored; use {@link #of(String)} for anything
	 * else.
	 */
	public ProjectName {
		if (value == null) {
			throw new InvalidNameException("Project name must not be null");
		}
		if (value.length() > MAX_LENGTH || !NORMALIZED.matcher(value).matches() || value.contains("--")) {
			throw new InvalidNameException("Project name " + Quoting.quote(value)
					+ " is not in normalized form; use ProjectName.of to normalize it");
		}
	}

	/**
	 * Validates a name as written by its authors and normalizes it (PEP 503).
	 * @param raw the name in any spelling, e.g. {@code Zope.Interface}
	 * @return the normalized name, e.g. {@code zope-interface}
	 * @throws InvalidNameException if the name is not a valid project name
	 */
	public static ProjectName of(String raw) {
		String problem = problemWith(raw);
		if (problem != null) {
			throw new InvalidNameException("Invalid project name " + Quoting.quote(raw) + ": " + problem);
		}
		return new ProjectName(normalize(raw));
	}

	/** Whether {@link #of(String)} would accept the name. */
	public static boolean isValid(String raw) {
		return problemWith(raw) == null;
	}

	/**
	 * Whether two spellings name the same project, without validating either, e.g. to
	 * match a legacy file name prefix.
	 */
	static boolean sameNormalizedName(String a, String b) {
		return normalize(a).equals(normalize(b));
	}

	static String normalize(String raw) {
		return SEPARATOR_RUNS.matcher(raw).replaceAll("-").toLowerCase(Locale.ROOT);
	}

	private static String problemWith(String raw) {
		if (raw == null) {
			return "it is null";
		}
		if (raw.isEmpty()) {
			return "it is empty";
		}
		if (raw.length() > MAX_LENGTH) {
			return "it is longer than " + MAX_LENGTH + " characters";
		}
		if (!VALID.matcher(raw).matches()) {
			return "it must consist of ASCII letters, digits, '.', '_' and '-', "
					+ "and start and end with a letter or digit";
		}
		return null;
	}

	/**
	 * The name as it appears in wheel and PEP 625 sdist file names: {@code -} replaced by
	 * {@code _}.
	 */
	public String wheelPrefix() {
		return this.value.replace('-', '_');
	}

	@Override
	public int compareTo(ProjectName other) {
		return this.value.compareTo(other.value);
	}

	@Override
	public String toString() {
		return this.value;
	}

}
