package dev.wheelfarm.optin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The options contract is written once: the table of docs/worker-protocol.md lists
 * exactly the keys of worker-templates/options.schema.json (the file the worker and the
 * config parser read), each cibuildwheel key with the variable the schema maps it to; and
 * docs/maintainers.md points to that table instead of keeping a list of its own.
 */
class BuildOptionsDocsTest {

	private static final Pattern ROW = Pattern.compile("^\\| `([a-z.-]+)` \\|(.*)$");

	@Test
	void theWorkerProtocolTableListsExactlyTheSchemasKeys() throws IOException {
		List<String> rows = table();
		Set<String> documented = new TreeSet<>();
		for (String row : rows) {
			Matcher matcher = ROW.matcher(row);
			assertThat(matcher.matches()).as("a row of the table: %s", row).isTrue();
			assertThat(documented.add(matcher.group(1))).as("listed once: %s", matcher.group(1)).isTrue();
			if (matcher.group(1).startsWith("cibuildwheel.")) {
				String key = matcher.group(1).substring("cibuildwheel.".length());
				assertThat(matcher.group(2)).as("the variable of %s", key)
					.contains("`" + BuildOptions.variable(key) + "`");
			}
		}
		Set<String> schema = new TreeSet<>();
		for (String key : BuildOptions.keys()) {
			if (!"cibuildwheel".equals(key)) {
				schema.add(key);
			}
		}
		BuildOptions.cibuildwheelKeys().forEach((key) -> schema.add("cibuildwheel." + key));
		assertThat(documented).isEqualTo(schema);
	}

	@Test
	void theMaintainersGuideLinksToTheTableAndNamesNoOtherCibuildwheelKey() throws IOException {
		String guide = Files.readString(docs().resolve("maintainers.md"), StandardCharsets.UTF_8);
		assertThat(guide).contains("worker-protocol.md#build-options-the-one-contract");
		String row = guide.lines().filter((line) -> line.startsWith("| `cibuildwheel` |")).findFirst().orElseThrow();
		String list = row.substring(row.indexOf("the-one-contract):"), row.indexOf("Any other key"));
		Matcher keys = Pattern.compile("`([a-z-]+)`").matcher(list);
		Set<String> named = new TreeSet<>();
		while (keys.find()) {
			named.add(keys.group(1));
		}
		assertThat(named).isEqualTo(BuildOptions.cibuildwheelKeys());
	}

	private static List<String> table() throws IOException {
		List<String> lines = Files.readAllLines(docs().resolve("worker-protocol.md"), StandardCharsets.UTF_8);
		int start = -1;
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).startsWith("<!-- build-options-table")) {
				start = i + 3;
			}
		}
		assertThat(start).as("the marked table in docs/worker-protocol.md").isPositive();
		List<String> rows = new ArrayList<>();
		for (int i = start; i < lines.size() && lines.get(i).startsWith("|"); i++) {
			rows.add(lines.get(i));
		}
		return rows;
	}

	private static Path docs() {
		// Maven runs the tests in the module's directory; docs/ is the repository's.
		return Path.of("..", "docs").toAbsolutePath().normalize();
	}

}
