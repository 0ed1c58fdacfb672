package dev.wheelfarm.status;

import java.util.Collection;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.wheelfarm.shared.InvalidWheelFilenameException;
import dev.wheelfarm.shared.WheelFilename;

/**
 * A file's compatibility tags in words (PEP 425, the platform tag specifications on
 * packaging.python.org): which Pythons, which ABI and which platforms a file is for, as a
 * person choosing a file reads them.
 */
public final class TagWords {

	private static final Pattern CPYTHON = Pattern.compile("cp(\\d)(\\d+)(t?)");

	private static final Pattern PYPY = Pattern.compile("pp(\\d)(\\d+)");

	private static final Pattern PYTHON = Pattern.compile("py(\\d)(\\d*)");

	private static final Pattern MANYLINUX = Pattern.compile("(many|musl)linux_(\\d+)_(\\d+)_(\\w+)");

	private static final Pattern LEGACY_MANYLINUX = Pattern.compile("manylinux(1|2010|2014)_(\\w+)");

	private static final Pattern MACOS = Pattern.compile("macosx_(\\d+)_(\\d+)_(\\w+)");

	private TagWords() {
	}

	/** The words for a file: a wheel's tags, or "source" for anything else. */
	static Described describe(String filename) {
		if (!filename.endsWith(".whl")) {
			return new Described("any (built on install)", "—", "any (source distribution)");
		}
		WheelFilename wheel;
		try {
			wheel = WheelFilename.parse(filename);
		}
		catch (InvalidWheelFilenameException ex) {
			return new Described("?", "?", "?");
		}
		return new Described(join(wheel.pythonTags(), TagWords::python), join(wheel.abiTags(), TagWords::abi),
				join(wheel.platformTags(), TagWords::platform));
	}

	static String python(String tag) {
		Matcher cpython = CPYTHON.matcher(tag);
		if (cpython.matches()) {
			return "CPython " + cpython.group(1) + "." + cpython.group(2)
					+ (cpython.group(3).isEmpty() ? "" : " (free-threaded)");
		}
		Matcher python = PYTHON.matcher(tag);
		if (python.matches()) {
			return python.group(2).isEmpty() ? "Python " + python.group(1)
					: "Python " + python.group(1) + "." + python.group(2) + "+";
		}
		Matcher pypy = PYPY.matcher(tag);
		if (pypy.matches()) {
			return "PyPy (Python " + pypy.group(1) + "." + pypy.group(2) + ")";
		}
		return tag;
	}

	static String abi(String tag) {
		if ("none".equals(tag)) {
			return "none (pure Python)";
		}
		if ("abi3".equals(tag)) {
			return "stable ABI (abi3)";
		}
		Matcher cpython = CPYTHON.matcher(tag);
		if (cpython.matches()) {
			return "CPython " + cpython.group(1) + "." + cpython.group(2)
					+ (cpython.group(3).isEmpty() ? "" : " free-threaded") + " only";
		}
		return tag;
	}

	static String platform(String tag) {
		if ("any".equals(tag)) {
			return "any";
		}
		Matcher linux = MANYLINUX.matcher(tag);
		if (linux.matches()) {
			return "Linux " + arch(linux.group(4)) + ", " + ("many".equals(linux.group(1)) ? "glibc " : "musl ")
					+ linux.group(2) + "." + linux.group(3) + "+";
		}
		Matcher legacy = LEGACY_MANYLINUX.matcher(tag);
		if (legacy.matches()) {
			String glibc = switch (legacy.group(1)) {
				case "1" -> "2.5";
				case "2010" -> "2.12";
				default -> "2.17";
			};
			return "Linux " + arch(legacy.group(2)) + ", glibc " + glibc + "+";
		}
		Matcher macos = MACOS.matcher(tag);
		if (macos.matches()) {
			return "macOS " + macos.group(1) + "." + macos.group(2) + "+ " + arch(macos.group(3));
		}
		if (tag.startsWith("win")) {
			return "Windows " + arch(tag.substring(tag.indexOf('_') + 1));
		}
		return tag;
	}

	private static String arch(String arch) {
		return switch (arch.toLowerCase(Locale.ROOT)) {
			case "x86_64", "amd64", "win_amd64" -> "x86-64";
			case "aarch64", "arm64" -> "ARM64";
			case "i686", "win32" -> "x86 (32-bit)";
			case "universal2" -> "Intel and Apple silicon";
			default -> arch;
		};
	}

	private static String join(Collection<String> tags, java.util.function.Function<String, String> words) {
		return tags.stream().sorted().map(words).distinct().collect(Collectors.joining("; "));
	}

	/**
	 * @param python which Pythons
	 * @param abi which ABI
	 * @param platform which platforms
	 */
	public record Described(String python, String abi, String platform) {

	}

}
