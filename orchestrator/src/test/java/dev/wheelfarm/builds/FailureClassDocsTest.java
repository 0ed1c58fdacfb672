package dev.wheelfarm.builds;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/maintainers.md's "My build failed" explains every failure class the farm can
 * record, with the kind the ledger gives it: a class added to {@link FailureClass}
 * without a row there, or a row whose kind is wrong, fails the build.
 */
class FailureClassDocsTest {

	private static final Pattern ROW = Pattern.compile("^\\| `([a-z-]+)` \\| (permanent|transient) \\|",
			Pattern.MULTILINE);

	@Test
	void myBuildFailedExplainsEveryFailureClassWithItsKind() throws IOException {
		Map<String, String> documented = new LinkedHashMap<>();
		Matcher row = ROW.matcher(section(maintainersGuide(), "## My build failed"));
		while (row.find()) {
			documented.put(row.group(1), row.group(2));
		}
		Map<String, String> known = new LinkedHashMap<>();
		Arrays.stream(FailureClass.values())
			.forEach((failure) -> known.put(failure.code(), failure.kind().name().toLowerCase(Locale.ROOT)));
		assertThat(documented).as("the failure classes of docs/maintainers.md, \"My build failed\"")
			.containsExactlyInAnyOrderEntriesOf(known);
	}

	@Test
	void theSectionTellsHowToAskForARebuildWithATokenAndFromGitHubActions() throws IOException {
		String section = section(maintainersGuide(), "## My build failed");
		assertThat(section).contains("/api/projects/example-pkg/versions/1.4.2/rebuilds",
				"Authorization: Bearer $WHEELFARM_TOKEN", "id-token: write", "audience=wheelfarm",
				"wheelfarm.builds.rebuilds-per-project-per-day");
	}

	/** The text from {@code heading} to the next heading of the same level. */
	private static String section(String markdown, String heading) {
		int start = markdown.indexOf("\n" + heading + "\n");
		assertThat(start).as("docs/maintainers.md has a section " + heading).isNotNegative();
		int end = markdown.indexOf("\n## ", start + heading.length() + 2);
		return markdown.substring(start, (end < 0) ? markdown.length() : end);
	}

	/** Tests run in the orchestrator module; the docs are the repository's. */
	private static String maintainersGuide() throws IOException {
		Path here = Path.of("").toAbsolutePath();
		for (Path dir = here; dir != null; dir = dir.getParent()) {
			Path guide = dir.resolve("docs/maintainers.md");
			if (Files.isRegularFile(guide) && Files.isRegularFile(dir.resolve("orchestrator/pom.xml"))) {
				return Files.readString(guide);
			}
		}
		throw new IllegalStateException("no docs/maintainers.md above " + here);
	}

}
