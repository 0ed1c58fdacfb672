package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The recorded GitHub API responses and webhook payloads in the test resources
 * ({@code src/test/resources/fixtures/github/}, on the classpath as
 * {@code fixtures/github/}); their README says where each came from.
 */
final class Fixtures {

	private Fixtures() {
	}

	/**
	 * The classpath location of a recording, for WireMock's
	 * {@code usingFilesUnderClasspath}, checked to exist.
	 */
	static String classpath(String relative) {
		String location = "fixtures/github/" + relative;
		if (Fixtures.class.getClassLoader().getResource(location) == null) {
			throw new IllegalStateException("No fixture " + location + " on the test classpath");
		}
		return location;
	}

	static String text(String relative) {
		return new String(bytes(relative), StandardCharsets.UTF_8);
	}

	static byte[] bytes(String relative) {
		try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(classpath(relative))) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
