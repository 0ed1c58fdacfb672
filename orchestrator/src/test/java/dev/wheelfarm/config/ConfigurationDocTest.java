package dev.wheelfarm.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md against the metadata the configuration processor generates from
 * the {@code @ConfigurationProperties} records
 * (META-INF/spring-configuration-metadata.json): every {@code wheelfarm.*} property is in
 * a table with the default the code binds, the tables name no property the code does not
 * have, and the renamed ones are listed with the names that replaced them. No default is
 * restated here: the doc is compared with what the code declares.
 */
class ConfigurationDocTest {

	private static final Path DOCS = Path.of("..", "docs");

	private static final String RENAMED_SECTION = "## Renamed properties";

	/** A table row: the first cell a backticked name, then the other cells. */
	private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\|(.*)\\|\\s*$", Pattern.MULTILINE);

	/**
	 * A property named in backticked text: {@code wheelfarm.x.y}, or a group:
	 * {@code wheelfarm.x.*}, {@code wheelfarm.x.…}.
	 */
	private static final Pattern MENTION = Pattern
		.compile("(?<![\\w.])wheelfarm(\\.[a-z0-9][a-z0-9-]*)*(\\.[a-z0-9][a-z0-9-]*|\\.\\*|\\.…)");

	/** Names in the docs that look like properties but are files. */
	private static final Set<String> NOT_PROPERTIES = Set.of("wheelfarm.lock", "wheelfarm.jar", "wheelfarm.toml",
			"wheelfarm.conf");

	private static Map<String, JsonNode> properties;

	private static Map<String, JsonNode> retired;

	private static String doc;

	@BeforeAll
	static void readMetadataAndDoc() throws IOException {
		properties = new LinkedHashMap<>();
		retired = new LinkedHashMap<>();
		ClassLoader loader = ConfigurationDocTest.class.getClassLoader();
		for (URL url : Collections.list(loader.getResources("META-INF/spring-configuration-metadata.json"))) {
			try (InputStream in = url.openStream()) {
				for (JsonNode property : JsonMapper.shared().readTree(in).path("properties")) {
					String name = property.path("name").asString();
					if (name.startsWith("wheelfarm.")) {
						boolean gone = "error".equals(property.path("deprecation").path("level").asString(""));
						(gone ? retired : properties).put(name, property);
					}
				}
			}
		}
		assertThat(properties).as("the processor generated the metadata").isNotEmpty();
		doc = Files.readString(DOCS.resolve("configuration.md"));
	}

	@Test
	void everyPropertyIsDocumentedOnceWithTheDefaultTheCodeBinds() throws IOException {
		Map<String, String> documented = new LinkedHashMap<>();
		Matcher row = ROW.matcher(settingsPart());
		while (row.find()) {
			String name = row.group(1);
			if (name.startsWith("wheelfarm.")) {
				assertThat(documented.put(name, cells(row.group(2)).get(0))).as("%s documented twice", name).isNull();
			}
		}
		assertThat(documented.keySet()).as("documented properties")
			.containsExactlyInAnyOrderElementsOf(properties.keySet());
		Properties shipped = new Properties();
		try (InputStream in = ConfigurationDocTest.class.getResourceAsStream("/application.properties")) {
			shipped.load(in);
		}
		List<String> wrong = new ArrayList<>();
		documented.forEach((name, cell) -> {
			String expected = declaredDefault(properties.get(name), shipped.getProperty(name));
			boolean right = (expected != null) ? cell.equals("`" + expected + "`") : !statesALiteral(cell);
			if (!right) {
				wrong.add(name + ": doc says " + cell + ", code says "
						+ ((expected != null) ? "`" + expected + "`" : "no literal default"));
			}
		});
		assertThat(wrong).as("defaults that differ from the code").isEmpty();
	}

	@Test
	void theRenamedPropertiesAreListedWithWhatReplacedThem() {
		Map<String, String> listed = new LinkedHashMap<>();
		Matcher row = ROW.matcher(renamedPart());
		while (row.find()) {
			listed.put(row.group(1), cells(row.group(2)).get(0));
		}
		Map<String, String> declared = new LinkedHashMap<>();
		retired.forEach((name, property) -> declared.put(name,
				"`" + property.path("deprecation").path("replacement").asString() + "`"));
		assertThat(listed).isEqualTo(declared);
		declared.values()
			.forEach((replacement) -> assertThat(properties)
				.containsKey(replacement.substring(1, replacement.length() - 1)));
	}

	@Test
	void noPageNamesAPropertyTheFarmDoesNotRead() throws IOException {
		List<Path> pages = new ArrayList<>();
		try (Stream<Path> files = Files.list(DOCS)) {
			files.filter((file) -> file.toString().endsWith(".md")).sorted().forEach(pages::add);
		}
		pages.add(Path.of("..", "README.md"));
		Set<String> unknown = new TreeSet<>();
		for (Path page : pages) {
			String text = page.endsWith("configuration.md") ? settingsPart() : Files.readString(page);
			Matcher code = Pattern.compile("`([^`\\n]+)`").matcher(text);
			while (code.find()) {
				Matcher mention = MENTION.matcher(code.group(1));
				while (mention.find()) {
					String name = mention.group();
					if (!known(name)) {
						unknown.add(page.getFileName() + ": " + name);
					}
				}
			}
		}
		assertThat(unknown).as("names that are no property (retired ones belong in \"Renamed properties\" only)")
			.isEmpty();
	}

	private static boolean known(String name) {
		if (NOT_PROPERTIES.contains(name) || properties.containsKey(name)) {
			return true;
		}
		if (name.endsWith(".*") || name.endsWith(".…")) {
			String group = name.substring(0, name.length() - 1);
			return properties.keySet().stream().anyMatch((property) -> property.startsWith(group));
		}
		return false;
	}

	/**
	 * The default as the doc must write it, or null when the code declares none (then the
	 * doc describes what happens in words).
	 */
	private static String declaredDefault(JsonNode property, String shipped) {
		JsonNode value = property.path("defaultValue");
		if (value.isMissingNode() || value.isNull() || (value.isString() && value.asString().isEmpty())
				|| (value.isArray() && value.isEmpty())) {
			return shipped;
		}
		return value.isString() ? value.asString() : value.toString();
	}

	/**
	 * Whether a default cell claims a value: one code span, not a placeholder such as
	 * {@code <wheelfarm.data-dir>/optin-cache}.
	 */
	private static boolean statesALiteral(String cell) {
		return cell.matches("`[^`<]*`");
	}

	private static List<String> cells(String rest) {
		List<String> cells = new ArrayList<>();
		for (String cell : rest.split("\\|")) {
			cells.add(cell.strip());
		}
		return cells;
	}

	private static String settingsPart() {
		int renamed = doc.indexOf(RENAMED_SECTION);
		assertThat(renamed).as("configuration.md has %s", RENAMED_SECTION).isNotNegative();
		int end = doc.indexOf("\n## ", renamed + 1);
		return doc.substring(0, renamed) + ((end < 0) ? "" : doc.substring(end));
	}

	private static String renamedPart() {
		int renamed = doc.indexOf(RENAMED_SECTION);
		int end = doc.indexOf("\n## ", renamed + 1);
		return doc.substring(renamed, (end < 0) ? doc.length() : end);
	}

}
