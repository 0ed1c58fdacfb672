package dev.wheelfarm.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator-facing statements that must exist once: the build repository's GitHub
 * permissions live in one section of docs/operators.md (the other pages link to it), and
 * no page says {@code application.properties} is read "next to the jar" (Spring Boot
 * reads the working directory; {@link ConfigFileLocationTest} shows it).
 */
class OperatorDocsTest {

	private static final Path DOCS = Path.of("..", "docs");

	private static final Pattern PERMISSION = Pattern
		.compile("\\*(Actions|Contents|Workflows|Metadata)\\*?:? *\\*?(read|write)", Pattern.CASE_INSENSITIVE);

	@Test
	void theBuildRepositoryPermissionsAreStatedInOnePlace() throws IOException {
		String operators = Files.readString(DOCS.resolve("operators.md"));
		int start = operators.indexOf("### Build repository permissions");
		assertThat(start).as("operators.md has the section").isNotNegative();
		int end = operators.indexOf("\n### ", start + 1);
		String section = operators.substring(start, end);
		assertThat(section).contains("*Actions*", "*Contents*", "*Workflows*", "*Metadata*");
		String elsewhere = operators.substring(0, start) + operators.substring(end);
		for (Path page : pages()) {
			String text = page.endsWith("operators.md") ? elsewhere : Files.readString(page);
			Matcher permission = PERMISSION.matcher(text);
			assertThat(permission.find())
				.as("%s states a permission (%s) outside the one section", page,
						permission.hitEnd() ? "" : permission.group())
				.isFalse();
		}
		for (String linking : List.of("configuration.md", "github-engine.md")) {
			assertThat(Files.readString(DOCS.resolve(linking))).as(linking)
				.contains("operators.md#build-repository-permissions");
		}
	}

	@Test
	void noPageSaysTheSettingsFileIsReadNextToTheJar() throws IOException {
		for (Path page : pages()) {
			assertThat(Files.readString(page).replaceAll("\\s+", " ")).as(page.toString())
				.doesNotContainPattern("application\\.properties` next to the jar");
		}
		assertThat(Files.readString(DOCS.resolve("operators.md"))).contains("### Where settings are read from",
				"./config/application.properties", "--spring.config.location");
	}

	private static List<Path> pages() throws IOException {
		try (Stream<Path> files = Files.list(DOCS)) {
			return files.filter((file) -> file.toString().endsWith(".md")).sorted().toList();
		}
	}

}
