package dev.wheelfarm.optin;

/**
 * One thing wrong with a maintainer's config file, where it is, and whether it stops the
 * config from taking effect.
 *
 * @param severity {@code error} stops the config, {@code warning} is shown and ignored
 * @param key the dotted key, e.g. {@code cibuildwheel.archs}; empty for the file as a
 * whole
 * @param line 1-based line, or 0 when unknown
 * @param column 1-based column, or 0 when unknown
 * @param message what is wrong, in words a maintainer can act on
 */
public record ConfigProblem(Severity severity, String key, int line, int column, String message) {

	/** Whether a problem stops the config. */
	public enum Severity {

		error, warning

	}

	static ConfigProblem error(String key, Location location, String message) {
		return new ConfigProblem(Severity.error, key, location.line(), location.column(), message);
	}

	static ConfigProblem warning(String key, Location location, String message) {
		return new ConfigProblem(Severity.warning, key, location.line(), location.column(), message);
	}

	/** The problem in one line, as stored and shown. */
	public String describe() {
		String where = (this.line > 0) ? " (line " + this.line + ", column " + this.column + ")" : "";
		String what = this.key.isEmpty() ? "" : "`" + this.key + "`: ";
		return this.severity + ": " + what + this.message + where;
	}

	/** A 1-based position in the file; 0/0 when unknown. */
	record Location(int line, int column) {

		static final Location UNKNOWN = new Location(0, 0);

	}

}
