package dev.wheelfarm.shared;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaging core is plain JDK so every feature (and any tool) can use it; this guards
 * that until the ArchUnit rules cover it.
 */
class SharedHasNoSpringTests {

	private static final Path SOURCES = Path.of("src/main/java/dev/wheelfarm/shared");

	@Test
	void noSourceOfTheSharedPackageMentionsSpring() throws IOException {
		assertThat(SOURCES).isDirectory();
		List<Path> offenders;
		try (Stream<Path> files = Files.walk(SOURCES)) {
			offenders = files.filter((file) -> file.toString().endsWith(".java"))
				.filter((file) -> read(file).contains("org.springframework"))
				.toList();
		}
		assertThat(offenders).isEmpty();
	}

	private static String read(Path file) {
		try {
			return Files.readString(file);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read " + file, ex);
		}
	}

}
