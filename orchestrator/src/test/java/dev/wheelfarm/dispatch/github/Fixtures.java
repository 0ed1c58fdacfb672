package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The recorded API responses in {@code shared/fixtures/}, found by walking up from the
 * working directory: Maven runs the tests in {@code orchestrator/}, an IDE often at the
 * repository root, and the shared folder sits beside the repository.
 */
final class Fixtures {

	private static final Path ROOT = locate();

	private Fixtures() {
	}

	static Path github(String relative) {
		Path path = ROOT.resolve("github").resolve(relative);
		if (!Files.exists(path)) {
			throw new IllegalStateException("No fixture " + path);
		}
		return path;
	}

	static String text(String relative) {
		try {
			return Files.readString(github(relative));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static byte[] bytes(String relative) {
		try {
			return Files.readAllBytes(github(relative));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Path locate() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			Path candidate = dir.resolve("shared").resolve("fixtures");
			if (Files.isDirectory(candidate.resolve("github"))) {
				return candidate;
			}
		}
		throw new IllegalStateException("No shared/fixtures above " + Path.of("").toAbsolutePath());
	}

}
