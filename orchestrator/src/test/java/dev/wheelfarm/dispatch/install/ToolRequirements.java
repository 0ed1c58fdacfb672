package dev.wheelfarm.dispatch.install;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The recorded Requires-Dist of the tools the build workflow installs
 * ({@code tool-requirements.txt} next to this class, with the sources of each group), and
 * just enough of PEP 508 to judge a pin against them: the version specifiers and the few
 * environment markers those packages use, evaluated for the workflow's CPython 3.13 on
 * its Linux, macOS and Windows runners.
 */
final class ToolRequirements {

	private static final String RESOURCE = "dev/wheelfarm/dispatch/install/tool-requirements.txt";

	private static final Pattern LINE = Pattern.compile("([A-Za-z0-9._-]+) ([0-9][A-Za-z0-9.]*): (.+)");

	private static final Pattern REQUIREMENT = Pattern
		.compile("([A-Za-z0-9._-]+) *((?:[<>=!]=?[^,;]+,?)*) *(?:; *(.+))?");

	private static final Pattern MARKER = Pattern
		.compile("(os_name|python_version|python_full_version) *(==|!=|<=|>=|<|>) *\"([^\"]+)\"");

	/** The interpreter the workflow sets up (actions/setup-python, python-version). */
	private static final String PYTHON_VERSION = "3.13";

	private static final String PYTHON_FULL_VERSION = "3.13.0";

	/** os_name on the runners: Linux and macOS, then Windows. */
	private static final List<String> OS_NAMES = List.of("posix", "nt");

	private final Map<String, List<Requirement>> byPackage;

	private final String cibuildwheelVersion;

	private final String cibuildwheelCommit;

	private ToolRequirements(Map<String, List<Requirement>> byPackage, String cibuildwheelVersion,
			String cibuildwheelCommit) {
		this.byPackage = byPackage;
		this.cibuildwheelVersion = cibuildwheelVersion;
		this.cibuildwheelCommit = cibuildwheelCommit;
	}

	static ToolRequirements load() {
		try (InputStream in = ToolRequirements.class.getClassLoader().getResourceAsStream(RESOURCE)) {
			if (in == null) {
				throw new IllegalStateException("missing test resource " + RESOURCE);
			}
			return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static ToolRequirements parse(String text) {
		Map<String, List<Requirement>> byPackage = new LinkedHashMap<>();
		String version = null;
		String commit = null;
		for (String line : text.split("\n")) {
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			if (line.startsWith("commit cibuildwheel ")) {
				Matcher m = Pattern.compile("commit cibuildwheel (\\S+): ([0-9a-f]{40})").matcher(line);
				if (!m.matches()) {
					throw new IllegalArgumentException("bad commit line: " + line);
				}
				version = m.group(1);
				commit = m.group(2);
				continue;
			}
			Matcher m = LINE.matcher(line);
			if (!m.matches()) {
				throw new IllegalArgumentException("not \"<name> <version>: <requirement>\": " + line);
			}
			List<Requirement> requirements = byPackage.computeIfAbsent(normalize(m.group(1)) + " " + m.group(2),
					(key) -> new ArrayList<>());
			if (!"-".equals(m.group(3).strip())) {
				requirements.add(Requirement.parse(m.group(3).strip()));
			}
		}
		if (version == null) {
			throw new IllegalArgumentException("no \"commit cibuildwheel <version>: <commit>\" line");
		}
		return new ToolRequirements(byPackage, version, commit);
	}

	/** The requirements of {@code "name version"}, or null when none are recorded. */
	List<Requirement> of(String nameAndVersion) {
		return this.byPackage.get(nameAndVersion);
	}

	String cibuildwheelVersion() {
		return this.cibuildwheelVersion;
	}

	String cibuildwheelCommit() {
		return this.cibuildwheelCommit;
	}

	/** PEP 503 normalization: lower case, runs of {@code -_.} as one {@code -}. */
	static String normalize(String name) {
		return name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
	}

	/** Compares dotted release numbers ({@code 26.3}, {@code 2026.9.21.13}). */
	static int compareVersions(String a, String b) {
		String[] x = a.split("\\.");
		String[] y = b.split("\\.");
		for (int i = 0; i < Math.max(x.length, y.length); i++) {
			long u = (i < x.length) ? Long.parseLong(x[i]) : 0;
			long v = (i < y.length) ? Long.parseLong(y[i]) : 0;
			if (u != v) {
				return Long.compare(u, v);
			}
		}
		return 0;
	}

	/**
	 * One requirement.
	 *
	 * @param name its normalized project name
	 * @param specifiers its version specifiers, such as {@code >=24.0} (empty: any)
	 * @param marker its environment marker, or null
	 */
	record Requirement(String name, List<String> specifiers, String marker) {

		static Requirement parse(String text) {
			Matcher m = REQUIREMENT.matcher(text);
			if (!m.matches()) {
				throw new IllegalArgumentException("not a requirement: " + text);
			}
			List<String> specifiers = new ArrayList<>();
			for (String specifier : m.group(2).split(",")) {
				if (!specifier.isBlank()) {
					specifiers.add(specifier.strip());
				}
			}
			return new Requirement(normalize(m.group(1)), List.copyOf(specifiers),
					(m.group(3) != null) ? m.group(3).strip() : null);
		}

		/** Whether the marker holds on at least one of the workflow's runners. */
		boolean appliesOnSomeRunner() {
			return OS_NAMES.stream().anyMatch(this::appliesOn);
		}

		private boolean appliesOn(String osName) {
			if (this.marker == null) {
				return true;
			}
			Matcher m = MARKER.matcher(this.marker);
			if (!m.matches()) {
				throw new IllegalArgumentException("a marker this check does not evaluate yet: " + this.marker);
			}
			return switch (m.group(1)) {
				case "os_name" -> compare(osName.compareTo(m.group(3)), m.group(2));
				case "python_version" -> compare(compareVersions(PYTHON_VERSION, m.group(3)), m.group(2));
				default -> compare(compareVersions(PYTHON_FULL_VERSION, m.group(3)), m.group(2));
			};
		}

		boolean allows(String version) {
			for (String specifier : this.specifiers) {
				Matcher m = Pattern.compile("([<>=!]=?)(.+)").matcher(specifier);
				if (!m.matches() || !compare(compareVersions(version, m.group(2).strip()), m.group(1))) {
					return false;
				}
			}
			return true;
		}

		private static boolean compare(int order, String operator) {
			return switch (operator) {
				case "==" -> order == 0;
				case "!=" -> order != 0;
				case "<" -> order < 0;
				case "<=" -> order <= 0;
				case ">" -> order > 0;
				case ">=" -> order >= 0;
				default -> throw new IllegalArgumentException("operator " + operator);
			};
		}

		@Override
		public String toString() {
			return this.name + String.join(",", this.specifiers) + ((this.marker != null) ? "; " + this.marker : "");
		}

	}

}
