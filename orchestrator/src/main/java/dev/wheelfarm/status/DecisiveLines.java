package dev.wheelfarm.status;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.wheelfarm.builds.FailureClass;

/**
 * Finds the line of a build log that decided its failure, so the build page shows it
 * first instead of the log's tail (which after a compile error is pages of cleanup). The
 * rules are per failure class and mirror the worker's classifiers (worker-templates/
 * wheelfarm_worker.py, {@code CLASSIFIERS}): the line that made the worker name the class
 * is the one to show. Then the first line that looks like an error; then the tail.
 */
public final class DecisiveLines {

	static final int BEFORE = 5;

	static final int AFTER = 10;

	private static final Map<FailureClass, List<Pattern>> RULES = Map.of(FailureClass.NETWORK,
			patterns("Temporary failure in name resolution", "Failed to establish a new connection",
					"Name or service not known", "Connection (refused|reset)", "Read timed out",
					"Max retries exceeded"),
			FailureClass.MISSING_SYSTEM_DEPENDENCY,
			patterns("fatal error: .*: No such file or directory", "fatal error: '[^']+' file not found",
					"Cannot open include file", "cannot find -l\\S+",
					"Package \\S+ was not found in the pkg-config search path",
					"error: command '[^']+' failed: No such file or directory", "Could NOT find \\w+",
					"Microsoft Visual C\\+\\+ [0-9.]+ or greater is required"),
			FailureClass.UNSUPPORTED_BACKEND, patterns("Backend '[^']*' is not available", "BackendUnavailable",
					"does not appear to be a Python project", "neither 'setup.py' nor 'pyproject.toml' found"),
			FailureClass.MISSING_BUILD_DEPENDENCY,
			patterns("Missing dependencies:", "ModuleNotFoundError: No module named", "ImportError: No module named",
					"No matching distribution found for", "Could not find a version that satisfies the requirement"),
			FailureClass.COMPILE_ERROR,
			patterns("\\.(c|cc|cpp|cxx|h|hpp|pyx|pxd|f|f90|m|mm):\\d+(:\\d+)?: error:", "error\\[E\\d+\\]",
					"error: could not compile", "Cython\\.Compiler\\.Errors", "\\berror C\\d{4}:",
					"error: command '[^']+' failed with exit (code|status) \\d+"),
			FailureClass.TIMEOUT, patterns("timed out", "[Tt]imeout"), FailureClass.CONFIG_ERROR,
			patterns("cibuildwheel: error", "(?i)invalid (option|value|selector)", "(?i)config(uration)? error"));

	// A Python traceback is decided by its last line (the exception), not its first.
	private static final Pattern ANY_ERROR = Pattern.compile(
			"(fatal error:|\\berror:|\\berror\\[|^ERROR\\b|\\bError:|cannot find -l|was not found in the pkg-config|^\\w+(\\.\\w+)*(Error|Exception): )",
			Pattern.CASE_INSENSITIVE);

	private DecisiveLines() {
	}

	/**
	 * The decisive part of a log.
	 * @param log the log (the stored full log, or the excerpt)
	 * @param failureClass the build's failure class code, may be null
	 */
	static Excerpt find(String log, String failureClass) {
		List<String> lines = log.lines().toList();
		if (lines.isEmpty()) {
			return new Excerpt(List.of(), -1, 0, false);
		}
		int anchor = FailureClass.fromCode(failureClass)
			.map((failure) -> RULES.getOrDefault(failure, List.of()))
			.map((rules) -> first(lines, rules))
			.orElse(-1);
		boolean byRule = anchor >= 0;
		if (anchor < 0) {
			anchor = first(lines, List.of(ANY_ERROR));
		}
		if (anchor < 0) {
			int from = Math.max(0, lines.size() - (BEFORE + AFTER));
			return new Excerpt(lines.subList(from, lines.size()), -1, from, false);
		}
		int from = Math.max(0, anchor - BEFORE);
		int to = Math.min(lines.size(), anchor + AFTER + 1);
		return new Excerpt(lines.subList(from, to), anchor - from, from, byRule);
	}

	private static int first(List<String> lines, List<Pattern> rules) {
		for (int i = 0; i < lines.size(); i++) {
			String line = lines.get(i);
			if (rules.stream().anyMatch((rule) -> rule.matcher(line).find())) {
				return i;
			}
		}
		return -1;
	}

	private static List<Pattern> patterns(String... regexes) {
		return java.util.Arrays.stream(regexes).map(Pattern::compile).toList();
	}

	/**
	 * Some lines of a log.
	 *
	 * @param lines the lines shown
	 * @param decisive the index in {@code lines} of the decisive line, -1 when none was
	 * found (the lines are then the log's tail)
	 * @param firstLine the 0-based number of the first shown line in the whole log
	 * @param byRule whether the failure class's own rule found it
	 */
	public record Excerpt(List<String> lines, int decisive, int firstLine, boolean byRule) {

		/**
		 * A line with its 1-based number in the log and whether it is the decisive one.
		 */
		public List<Line> numbered() {
			return java.util.stream.IntStream.range(0, this.lines.size())
				.mapToObj((i) -> new Line(this.firstLine + i + 1, this.lines.get(i), i == this.decisive))
				.toList();
		}

	}

	public record Line(int number, String text, boolean decisive) {

	}

}
