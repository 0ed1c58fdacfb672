package dev.wheelfarm.pypi;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * PEP 503 names as the watcher needs them. A stand-in for {@code shared.ProjectName}
 * until the packaging core lands on this branch; the rules are the spec's, so the swap
 * changes no behaviour.
 */
final class ProjectNames {

	// packaging.python.org "Names and normalization": the valid-name pattern, and at most
	// 200 characters as the project table allows.
	private static final Pattern VALID = Pattern.compile("^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$",
			Pattern.CASE_INSENSITIVE);

	private static final Pattern SEPARATORS = Pattern.compile("[-_.]+");

	private ProjectNames() {
	}

	/** The normalized form of a valid name, or empty for a name PyPI could not have. */
	static Optional<String> normalize(String raw) {
		if (raw == null || raw.length() > 200 || !VALID.matcher(raw).matches()) {
			return Optional.empty();
		}
		return Optional.of(SEPARATORS.matcher(raw).replaceAll("-").toLowerCase(Locale.ROOT));
	}

}
