package dev.wheelfarm.pypi.standin;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The recorded responses in the test resources ({@code src/test/resources/fixtures/}, on
 * the classpath as {@code fixtures/}); their README says where each came from.
 */
public final class Fixtures {

	private Fixtures() {
	}

	/** The fixtures directory as the test classpath holds it. */
	public static Path root() {
		return resource("");
	}

	/**
	 * A fixture by its path under the fixtures directory, e.g.
	 * {@code pypi/json-api/octocheese.json}.
	 */
	public static Path path(String relative) {
		Path path = resource(relative);
		if (!Files.isRegularFile(path)) {
			throw new IllegalStateException("no fixture " + path);
		}
		return path;
	}

	private static Path resource(String relative) {
		URL url = Fixtures.class.getResource("/fixtures/" + relative);
		if (url == null) {
			throw new IllegalStateException("no fixture fixtures/" + relative + " on the test classpath");
		}
		try {
			// Maven and IDEs put the test resources on the classpath as a directory.
			return Path.of(url.toURI());
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException("fixture " + url + " is not a file", ex);
		}
	}

}
