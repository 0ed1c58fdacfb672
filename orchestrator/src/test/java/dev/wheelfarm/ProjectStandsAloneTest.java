package dev.wheelfarm;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.wheelfarm.pypi.standin.Fixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A clone of this repository alone passes its own tests: the recorded fixtures are in the
 * project with their provenance, nothing refers to files beside the repository, and the
 * README's prerequisites are what {@code .ci/run} installs.
 */
class ProjectStandsAloneTest {

	/** Maven runs the tests in the module directory; the repository is its parent. */
	private static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();

	private static final Pattern README_ROW = Pattern
		.compile("^\\| `([^`]+)` \\|.*\\| ([\\w.-]+/[\\w.-]+) \\| `[^`]+` \\| `([0-9a-f]{12,40})` \\| ([^|]+) \\|$");

	private static final Pattern APT_INSTALL = Pattern.compile("apt-get install((?:[^\\n\\\\]|\\\\\\n)*)");

	@Test
	void everyFixtureHasItsSourceCommitAndLicenceInTheReadme() throws IOException {
		Path root = Fixtures.root();
		Set<String> rows = new TreeSet<>();
		for (String line : Files.readAllLines(root.resolve("README.md"))) {
			Matcher row = README_ROW.matcher(line);
			if (row.matches()) {
				assertThat(row.group(4).strip()).as("licence of %s", row.group(1)).matches("MIT.*|Apache-2\\.0");
				rows.add(row.group(1));
			}
		}
		Set<String> files = new TreeSet<>();
		try (Stream<Path> walk = Files.walk(root)) {
			walk.filter(Files::isRegularFile)
				.map((path) -> root.relativize(path).toString().replace('\\', '/'))
				.filter((name) -> !name.equals("README.md"))
				.forEach(files::add);
		}
		assertThat(files).as("fixture files").isNotEmpty();
		assertThat(rows).as("README rows (source repository, commit, licence) against the files").isEqualTo(files);
	}

	@Test
	void noFileReferstoAnythingBesideTheRepository() throws IOException {
		assertThat(REPOSITORY.resolve("README.md")).exists();
		Path self = REPOSITORY.resolve("orchestrator/src/test/java/dev/wheelfarm/ProjectStandsAloneTest.java");
		List<String> offenders = new ArrayList<>();
		try (Stream<Path> walk = Files.walk(REPOSITORY)) {
			for (Path file : walk.filter(ProjectStandsAloneTest::isSource)
				.filter((path) -> !path.equals(self))
				.toList()) {
				String text = textOf(file);
				for (String outside : List.of(".." + "/shared", "shared" + "/fixtures", "shared" + "/design",
						"WHEELFARM_FIXTURES")) {
					if (text.contains(outside)) {
						offenders.add(REPOSITORY.relativize(file) + " names " + outside);
					}
				}
			}
		}
		assertThat(offenders).isEmpty();
	}

	@Test
	void theReadmePrerequisitesAreWhatCiInstalls() throws IOException {
		Set<String> readme = packages(Files.readString(REPOSITORY.resolve("README.md")));
		Set<String> ci = packages(Files.readString(REPOSITORY.resolve(".ci/run")));
		assertThat(readme).contains("chromium", "chromium-driver", "twine", "nginx", "bubblewrap");
		assertThat(ci).as(".ci/run's apt-get install against the README's").isEqualTo(readme);
	}

	/** The package names of the one {@code apt-get install} command in the text. */
	private static Set<String> packages(String text) {
		Matcher install = APT_INSTALL.matcher(text);
		assertThat(install.find()).as("an apt-get install command").isTrue();
		Set<String> packages = new TreeSet<>();
		for (String word : install.group(1).replace("\\\n", " ").strip().split("\\s+")) {
			if (word.matches("[a-z0-9][a-z0-9.+-]*")) {
				packages.add(word);
			}
		}
		assertThat(install.find()).as("a second apt-get install command").isFalse();
		return packages;
	}

	private static boolean isSource(Path path) {
		for (Path part : REPOSITORY.relativize(path)) {
			String name = part.toString();
			if (name.equals(".git") || name.equals("target") || name.equals("node_modules")) {
				return false;
			}
		}
		return Files.isRegularFile(path);
	}

	/** The file as text, or nothing for binary files (archives, wheels, images). */
	private static String textOf(Path file) throws IOException {
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return "";
		}
	}

}
