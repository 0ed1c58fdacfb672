package dev.wheelfarm.shared;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@code requires-python} value: a comma-separated version specifier set, all of whose
 * clauses must hold (packaging.python.org "Version specifiers"). The empty set allows
 * every version.
 */
public final class RequiresPython {

	private static final RequiresPython ANY = new RequiresPython(List.of());

	private final List<VersionSpecifier> specifiers;

	private RequiresPython(List<VersionSpecifier> specifiers) {
		this.specifiers = List.copyOf(specifiers);
	}

	/** The set that allows every Python version (an absent or empty value). */
	public static RequiresPython any() {
		return ANY;
	}

	/**
	 * Parses a specifier set such as {@code >=3.8, !=3.9.*, <4}.
	 * @param text the value; {@code null}, empty or blank means no constraint
	 * @return the specifier set
	 * @throws InvalidSpecifierException if a clause is malformed or empty
	 */
	public static RequiresPython parse(String text) {
		if (text == null || text.isBlank()) {
			return ANY;
		}
		String[] clauses = text.split(",", -1);
		List<VersionSpecifier> specifiers = new ArrayList<>(clauses.length);
		for (int i = 0; i < clauses.length; i++) {
			if (clauses[i].isBlank()) {
				throw new InvalidSpecifierException("Invalid version specifier set " + Quoting.quote(text) + ": clause "
						+ (i + 1) + " of " + clauses.length + " is empty (a stray ',')");
			}
			try {
				specifiers.add(VersionSpecifier.parse(clauses[i]));
			}
			catch (InvalidSpecifierException ex) {
				throw new InvalidSpecifierException(
						"Invalid version specifier set " + Quoting.quote(text) + ": " + ex.getMessage(), ex);
			}
		}
		return new RequiresPython(specifiers);
	}

	public List<VersionSpecifier> specifiers() {
		return this.specifiers;
	}

	/** Whether the Python version satisfies every clause. */
	public boolean allows(Version python) {
		return this.specifiers.stream().allMatch((specifier) -> specifier.allows(python));
	}

	/** The normalized set: clauses in their given order, joined by {@code ,}. */
	@Override
	public String toString() {
		return this.specifiers.stream().map(VersionSpecifier::toString).collect(Collectors.joining(","));
	}

	@Override
	public boolean equals(Object obj) {
		return obj instanceof RequiresPython other && this.specifiers.equals(other.specifiers);
	}

	@Override
	public int hashCode() {
		return this.specifiers.hashCode();
	}

}
