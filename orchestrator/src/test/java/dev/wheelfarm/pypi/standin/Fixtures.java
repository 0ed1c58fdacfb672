package dev.wheelfarm.pypi.standin;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the recorded responses in {@code ../shared/fixtures} (next to the repository),
 * wherever the tests run from: the repository root, a module directory or an IDE.
 */
public final class Fixtures {

	private Fixtures() {
	}

	/** The fixtures directory; {@code WHEELFARM_FIXTURES} overrides the search. */
	public static Path root() {
		String override = System.getenv("WHEELFARM_FIXTURES");
		if (override != null && !override.isBlank()) {
			return Path.of(override);
		}
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			Path candidate = dir.resolve("shared/fixtures");
			if (Files.isDirectory(candidate.resolve("pypi"))) {
				return candidate;
			}
		}
		throw new IllegalStateException("../shared/fixtures not found above " + Path.of("").toAbsolutePath()
				+ "; set WHEELFARM_FIXTURES to its path");
	}

	/**
	 * A fixture by its path under the fixtures directory, e.g.
	 * {@code pypi/json-api/octocheese.json}.
	 */
	public static Path path(String relative) {
		Path path = root().resolve(relative);
		if (!Files.isRegularFile(path)) {
			throw new IllegalStateException("no fixture " + path);
		}
		return path;
	}

}
