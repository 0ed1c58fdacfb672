package dev.wheelfarm.shared;

import java.util.regex.Pattern;

/**
 * One clause of a version specifier set, such as {@code >=3.8} or {@code ==3.*}, with the
 * matching rules of packaging.python.org "Version specifiers".
 */
public final class VersionSpecifier {

	// "==" and "!=" may end in ".*" only directly after a release segment.
	private static final Pattern PREFIX = Pattern.compile("v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*",
			Pattern.CASE_INSENSITIVE);

	private final Operator operator;

	private final Version version;

	private final boolean prefixMatch;

	private final String arbitrary;

	private VersionSpecifier(Operator operator, Version version, boolean prefixMatch, String arbitrary) {
		this.operator = operator;
		this.version = version;
		this.prefixMatch = prefixMatch;
		this.arbitrary = arbitrary;
	}

	/**
	 * Parses one clause.
	 * @param text the clause, e.g. {@code >= 3.8} (whitespace around the parts is
	 * allowed)
	 * @return the clause
	 * @throws InvalidSpecifierException if the clause is malformed
	 */
	public static VersionSpecifier parse(String text) {
		if (text == null) {
			throw new InvalidSpecifierException("Version specifier must not be null");
		}
		String clause = text.strip();
		if (clause.isEmpty()) {
			throw new InvalidSpecifierException("Invalid version specifier " + Quoting.quote(text) + ": it is empty");
		}
		Operator operator = Operator.prefixOf(clause);
		if (operator == null) {
			throw new InvalidSpecifierException("Invalid version specifier " + Quoting.quote(text)
					+ ": it does not start with a comparison operator (one of ~=, ==, !=, <=, >=, <, >, ===)"
					+ misspelledOperatorHint(clause));
		}
		String operand = clause.substring(operator.symbol().length()).strip();
		if (operand.isEmpty()) {
			throw new InvalidSpecifierException("Invalid version specifier " + Quoting.quote(text)
					+ ": no version after '" + operator.symbol() + "'");
		}
		if (operator == Operator.ARBITRARY_EQUAL) {
			if (operand.chars().anyMatch(Character::isWhitespace)) {
				throw new InvalidSpecifierException(
						"Invalid version specifier " + Quoting.quote(text) + ": '===' takes a single word");
			}
			return new VersionSpecifier(operator, null, false, operand);
		}
		boolean prefixMatch = operand.endsWith(".*");
		if (prefixMatch) {
			return parsePrefixMatch(text, operator, operand.substring(0, operand.length() - 2));
		}
		Version version = parseVersion(text, operand);
		if (version.hasLocal() && operator != Operator.EQUAL && operator != Operator.NOT_EQUAL) {
			throw new InvalidSpecifierException("Invalid version specifier " + Quoting.quote(text)
					+ ": a local version label (+...) is only allowed with '==' and '!='");
		}
		if (operator == Operator.COMPATIBLE && version.releaseLength() < 2) {
			throw new InvalidSpecifierException("Invalid version specifier " + Quoting.quote(text)
					+ ": '~=' needs a version with at least two release numbers, such as '~=" + version.major()
					+ ".0'");
		}
		return new VersionSpecifier(operator, version, false, null);
	}

	private static VersionSpecifier parsePrefixMatch(String text, Operator operator, String prefix) {
		if (operator != Operator.EQUAL && operator != Operator.NOT_EQUAL) {
			throw new InvalidSpecifierException("Invalid version specifier " + Quoting.quote(text)
					+ ": a '.*' suffix is only allowed with '==' and '!='");
		}
		if (!PREFIX.matcher(prefix).matches()) {
			throw new InvalidSpecifierException("Invalid version specifier " + Quoting.quote(text)
					+ ": '.*' may only follow a release segment, as in '" + operator.symbol() + "3.*'");
		}
		return new VersionSpecifier(operator, parseVersion(text, prefix), true, null);
	}

	private static Version parseVersion(String text, String operand) {
		try {
			return Version.parse(operand);
		}
		catch (InvalidVersionException ex) {
			throw new InvalidSpecifierException("Invalid version specifier " + Quoting.quote(text) + ": "
					+ Quoting.quote(operand) + " is not a PEP 440 version", ex);
		}
	}

	private static String misspelledOperatorHint(String clause) {
		if (clause.startsWith("=>")) {
			return "; did you mean '>='?";
		}
		if (clause.startsWith("=<")) {
			return "; did you mean '<='?";
		}
		if (clause.startsWith("=")) {
			return "; did you mean '=='?";
		}
		return "";
	}

	public Operator operator() {
		return this.operator;
	}

	/** Whether this is a prefix match such as {@code ==3.*}. */
	public boolean isPrefixMatch() {
		return this.prefixMatch;
	}

	/**
	 * Whether the candidate version satisfies this clause. Pre-releases are not excluded
	 * here: the spec leaves that to the caller, and for {@code requires-python} the
	 * candidate is an interpreter that already exists (pip checks it the same way).
	 */
	public boolean allows(Version candidate) {
		return switch (this.operator) {
			case COMPATIBLE -> candidate.publicVersion().compareTo(this.version) >= 0
					&& startsWith(candidate, this.version.releaseLength() - 1);
			case EQUAL -> equalTo(candidate);
			case NOT_EQUAL -> !equalTo(candidate);
			case LESS_EQUAL -> candidate.publicVersion().compareTo(this.version) <= 0;
			case GREATER_EQUAL -> candidate.publicVersion().compareTo(this.version) >= 0;
			case LESS -> lessThan(candidate);
			case GREATER -> greaterThan(candidate);
			case ARBITRARY_EQUAL -> candidate.toString().equalsIgnoreCase(this.arbitrary);
		};
	}

	private boolean equalTo(Version candidate) {
		if (this.prefixMatch) {
			return startsWith(candidate, this.version.releaseLength());
		}
		// A public specifier ignores the candidate's local label; a local one must match
		// it.
		Version comparable = this.version.hasLocal() ? candidate : candidate.publicVersion();
		return comparable.compareTo(this.version) == 0;
	}

	private boolean startsWith(Version candidate, int releaseNumbers) {
		return candidate.epoch() == this.version.epoch() && candidate.releaseStartsWith(this.version, releaseNumbers);
	}

	// "<V MUST NOT allow a pre-release of the specified version unless the specified
	// version is itself a pre-release."
	private boolean lessThan(Version candidate) {
		if (candidate.compareTo(this.version) >= 0) {
			return false;
		}
		return this.version.isPrerelease() || !candidate.isPrerelease() || !sameBase(candidate);
	}

	// ">V MUST NOT allow a post-release of the given version unless V itself is a post
	// release" and ">V MUST NOT match a local version of the specified version".
	private boolean greaterThan(Version candidate) {
		if (candidate.compareTo(this.version) <= 0) {
			return false;
		}
		if (!this.version.isPostrelease() && candidate.isPostrelease() && sameBase(candidate)) {
			return false;
		}
		return !(candidate.hasLocal() && sameBase(candidate));
	}

	private boolean sameBase(Version candidate) {
		return candidate.baseVersion().equals(this.version.baseVersion());
	}

	/** The normalized clause: {@code >=3.8}, {@code ==3.*}, {@code ===foobar}. */
	@Override
	public String toString() {
		if (this.operator == Operator.ARBITRARY_EQUAL) {
			return this.operator.symbol() + this.arbitrary;
		}
		return this.operator.symbol() + this.version + (this.prefixMatch ? ".*" : "");
	}

	@Override
	public boolean equals(Object obj) {
		return obj instanceof VersionSpecifier other && toString().equals(other.toString());
	}

	@Override
	public int hashCode() {
		return toString().hashCode();
	}

	/** The comparison operators of the spec. */
	public enum Operator {

		// Longer symbols first, so that "===" is not read as "==" and "<=" not as "<".
		ARBITRARY_EQUAL("==="), COMPATIBLE("~="), EQUAL("=="), NOT_EQUAL("!="), LESS_EQUAL("<="), GREATER_EQUAL(">="),
		LESS("<"), GREATER(">");

		private final String symbol;

		Operator(String symbol) {
			this.symbol = symbol;
		}

		public String symbol() {
			return this.symbol;
		}

		static Operator prefixOf(String clause) {
			for (Operator operator : values()) {
				if (clause.startsWith(operator.symbol)) {
					return operator;
				}
			}
			return null;
		}

		@Override
		public String toString() {
			return this.symbol;
		}

	}

}
