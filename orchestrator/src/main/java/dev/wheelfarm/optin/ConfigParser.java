package dev.wheelfarm.optin;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import dev.wheelfarm.retention.RetentionPolicy;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Version;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * Reads a maintainer's config: {@code [tool.wheelfarm]} of {@code pyproject.toml}, or the
 * top level of {@code wheelfarm.toml}. Never throws for what is in the file: every
 * problem becomes a {@link ConfigProblem} with its key, line and column. Unknown
 * top-level keys are warnings (a newer farm may know them); wrong types are errors
 * (guessing what a maintainer meant could build what they did not want), and so is a
 * cibuildwheel option the build job cannot honour: ignoring it would build what the
 * maintainer did not ask for.
 */
final class ConfigParser {

	static final String WHEELFARM_TOML = "wheelfarm.toml";

	static final String PYPROJECT_TOML = "pyproject.toml";

	/**
	 * What {@code platforms} may name: a platform id of the build options contract
	 * ({@code linux-x86_64}) or a family standing for all of its ids ({@code linux}).
	 */
	static final Set<String> PLATFORMS = platformNames();

	/**
	 * The cibuildwheel options a maintainer may pass through: exactly those of the build
	 * options contract (worker-templates/options.schema.json), which the worker honours.
	 * Options that would change where wheels go, which images or credentials the job
	 * uses, or which environment leaks into the build ({@code output-dir},
	 * {@code environment-pass}, {@code container-engine}, ...) are the farm's, not the
	 * maintainer's.
	 */
	static final Set<String> CIBUILDWHEEL_OPTIONS = BuildOptions.cibuildwheelKeys();

	private static final Set<String> KEYS = Set.of("projects", "enabled", "since", "prereleases", "skip-versions",
			"platforms", "build", "skip", "accept-requests", "cibuildwheel", "retention", "upload-token-sha256",
			"publish", "strategy", "trusted-publisher");

	private static final Set<String> TRUSTED_PUBLISHER_KEYS = Set.of("workflow", "environment");

	// A file directly in .github/workflows, as GitHub (and Fulcio's certificates) name
	// it.
	private static final Pattern WORKFLOW_FILE = Pattern.compile("^[A-Za-z0-9_.-]+\\.ya?ml$");

	// GitHub's limit for environment names; no control characters.
	private static final Pattern ENVIRONMENT = Pattern.compile("^[^\\p{Cntrl}]{1,255}$");

	private static final Set<String> RETENTION_KEYS = Set.of("applies-to", "keep-newest", "max-age-days");

	private static final Pattern SHA256_HEX = Pattern.compile("^[0-9a-f]{64}$");

	private static final int MAX_UPLOAD_TOKENS = 5;

	private static final int MAX_PROJECTS = 100;

	private static final int MAX_LIST = 500;

	private static final int MAX_STRING = 8192;

	private static final Pattern DATE = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}$");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final TomlMapper toml = TomlMapper.builder().build();

	/**
	 * Parses one file.
	 * @param path {@link #WHEELFARM_TOML} or {@link #PYPROJECT_TOML}
	 * @param bytes the file's content
	 * @return the config and its problems; for a {@code pyproject.toml} without a
	 * {@code [tool.wheelfarm]} table, null (that file is not a config)
	 */
	ParsedConfig parse(String path, byte[] bytes) {
		String text;
		try {
			text = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return failed(path, ConfigProblem.error("", ConfigProblem.Location.UNKNOWN,
					"the file is not UTF-8 text (TOML files must be)"));
		}
		JsonNode document;
		try {
			document = this.toml.readTree(text);
		}
		catch (JacksonException ex) {
			TokenStreamLocation location = ex.getLocation();
			ConfigProblem.Location where = (location != null && location.getLineNr() > 0)
					? new ConfigProblem.Location(location.getLineNr(), Math.max(location.getColumnNr(), 1))
					: ConfigProblem.Location.UNKNOWN;
			return failed(path,
					ConfigProblem.error("", where, "not valid TOML: " + firstLine(ex.getOriginalMessage())));
		}
		boolean pyproject = PYPROJECT_TOML.equals(path);
		String prefix = pyproject ? "tool.wheelfarm" : "";
		JsonNode table = pyproject ? document.path("tool").path("wheelfarm") : document;
		if (pyproject && table.isMissingNode()) {
			return null;
		}
		Reader reader = new Reader(KeyLocator.of(text), prefix);
		if (!table.isObject()) {
			reader.error("", "must be a table, not " + typeName(table));
			return new ParsedConfig(path, null, reader.problems);
		}
		WheelfarmConfig config = reader.read(table);
		// In file order, as a maintainer reads the file; whole-file problems last.
		List<ConfigProblem> problems = new ArrayList<>(reader.problems);
		problems.sort(Comparator
			.comparingInt((ConfigProblem problem) -> (problem.line() > 0) ? problem.line() : Integer.MAX_VALUE)
			.thenComparingInt(ConfigProblem::column));
		return new ParsedConfig(path, reader.hasErrors() ? null : config, problems);
	}

	private static ParsedConfig failed(String path, ConfigProblem problem) {
		return new ParsedConfig(path, null, List.of(problem));
	}

	private static String firstLine(String message) {
		String text = (message != null) ? message : "unreadable";
		int newline = text.indexOf('\n');
		return (newline < 0) ? text : text.substring(0, newline);
	}

	static String typeName(JsonNode node) {
		if (node.isString()) {
			return "a string";
		}
		if (node.isBoolean()) {
			return "a boolean";
		}
		if (node.isIntegralNumber()) {
			return "an integer";
		}
		if (node.isNumber()) {
			return "a float";
		}
		if (node.isArray()) {
			return "an array";
		}
		if (node.isObject()) {
			return "a table";
		}
		return "a " + node.getNodeType().name().toLowerCase(Locale.ROOT);
	}

	/** One pass over the config table, collecting problems as it goes. */
	private static final class Reader {

		private final KeyLocator locator;

		private final String prefix;

		private final List<ConfigProblem> problems = new ArrayList<>();

		Reader(KeyLocator locator, String prefix) {
			this.locator = locator;
			this.prefix = prefix;
		}

		WheelfarmConfig read(JsonNode table) {
			for (String key : table.propertyNames()) {
				if (!KEYS.contains(key)) {
					warning(key, "unknown key, ignored (known keys: " + String.join(", ", new TreeSet<>(KEYS)) + ")");
				}
			}
			List<String> projects = projects(table.get("projects"));
			boolean enabled = bool(table, "enabled", true);
			String since = since(table.get("since"));
			boolean prereleases = bool(table, "prereleases", false);
			List<String> skipVersions = new ArrayList<>(
					new TreeSet<>(strings(table.get("skip-versions"), "skip-versions")));
			List<String> platforms = platforms(table.get("platforms"));
			String strategy = strategy(table.get("strategy"));
			String build = selector(table.get("build"), "build");
			String skip = selector(table.get("skip"), "skip");
			boolean acceptRequests = bool(table, "accept-requests", true);
			SortedMap<String, Object> cibuildwheel = cibuildwheel(table.get("cibuildwheel"));
			List<String> uploadTokens = uploadTokens(table.get("upload-token-sha256"));
			String publish = publish(table.get("publish"));
			RetentionPolicy retention = retention(table.get("retention"));
			WheelfarmConfig.TrustedPublisher trustedPublisher = trustedPublisher(table.get("trusted-publisher"));
			return new WheelfarmConfig(projects, enabled, since, prereleases, skipVersions, platforms, build, skip,
					acceptRequests, cibuildwheel, retention, uploadTokens, publish, strategy, trustedPublisher);
		}

		/**
		 * {@code [trusted-publisher]}: the workflow file that must have signed uploaded
		 * attestations, and the environment it publishes from. A wrong value is an error:
		 * ignoring it would accept signatures the maintainer meant to refuse.
		 */
		private WheelfarmConfig.TrustedPublisher trustedPublisher(JsonNode node) {
			if (node == null) {
				return WheelfarmConfig.TrustedPublisher.ANY;
			}
			if (!node.isObject()) {
				error("trusted-publisher", "must be a table (workflow, environment), not " + typeName(node));
				return WheelfarmConfig.TrustedPublisher.ANY;
			}
			for (String key : node.propertyNames()) {
				if (!TRUSTED_PUBLISHER_KEYS.contains(key)) {
					warning("trusted-publisher." + key, "unknown key, ignored (known keys: "
							+ String.join(", ", new TreeSet<>(TRUSTED_PUBLISHER_KEYS)) + ")");
				}
			}
			String workflow = matching(node.get("workflow"), "trusted-publisher.workflow", WORKFLOW_FILE,
					"a file name in .github/workflows, e.g. \"release.yml\"");
			String environment = matching(node.get("environment"), "trusted-publisher.environment", ENVIRONMENT,
					"a GitHub environment name of 1 to 255 characters");
			return new WheelfarmConfig.TrustedPublisher(workflow, environment);
		}

		private String matching(JsonNode node, String key, Pattern pattern, String what) {
			if (node == null) {
				return null;
			}
			if (node.isString() && pattern.matcher(node.stringValue()).matches()) {
				return node.stringValue();
			}
			error(key, "must be " + what + ", not "
					+ (node.isString() ? "\"" + shorten(node.stringValue()) + "\"" : typeName(node)));
			return null;
		}

		/** Whether the platform build may follow the pure build, or replaces it. */
		private String strategy(JsonNode node) {
			if (node == null) {
				return BuildOptions.STRATEGY_AUTO;
			}
			List<String> strategies = BuildOptions.strategies();
			if (node.isString() && strategies.contains(node.stringValue())) {
				return node.stringValue();
			}
			error("strategy", "must be one of " + strategies.stream().map((s) -> "\"" + s + "\"").toList() + ", not "
					+ (node.isString() ? "\"" + shorten(node.stringValue()) + "\"" : typeName(node)));
			return BuildOptions.STRATEGY_AUTO;
		}

		/**
		 * One SHA-256 or a list of them (a rotation: the new token's hash is added, the
		 * workflow switched, the old hash removed). Never the token itself: the file is
		 * public, and a hash of 256 random bits does not reveal it.
		 */
		private List<String> uploadTokens(JsonNode node) {
			String key = "upload-token-sha256";
			if (node == null) {
				return List.of();
			}
			List<String> hashes = new ArrayList<>();
			if (node.isString()) {
				hashes.add(node.stringValue());
			}
			else if (node.isArray()) {
				hashes.addAll(strings(node, key));
			}
			else {
				error(key, "must be the SHA-256 of a token as 64 lowercase hex digits, or an array of them, not "
						+ typeName(node));
				return List.of();
			}
			if (hashes.size() > MAX_UPLOAD_TOKENS) {
				error(key, "lists " + hashes.size() + " hashes; at most " + MAX_UPLOAD_TOKENS + " are accepted");
				return List.of();
			}
			Set<String> valid = new TreeSet<>();
			for (String hash : hashes) {
				if (SHA256_HEX.matcher(hash).matches()) {
					valid.add(hash);
				}
				else {
					error(key, "\"" + shorten(hash) + "\" is not a SHA-256 as 64 lowercase hex digits (compute it with"
							+ " `printf %s \"$TOKEN\" | sha256sum`; never put the token itself here)");
				}
			}
			return new ArrayList<>(valid);
		}

		private String publish(JsonNode node) {
			if (node == null) {
				return WheelfarmConfig.PUBLISH_IMMEDIATE;
			}
			if (node.isString() && (WheelfarmConfig.PUBLISH_IMMEDIATE.equals(node.stringValue())
					|| WheelfarmConfig.PUBLISH_REVIEW.equals(node.stringValue()))) {
				return node.stringValue();
			}
			error("publish", "must be \"immediate\" or \"review\", not "
					+ (node.isString() ? "\"" + shorten(node.stringValue()) + "\"" : typeName(node)));
			return WheelfarmConfig.PUBLISH_IMMEDIATE;
		}

		/**
		 * {@code [retention]}: which of the farm's files of these projects may be
		 * deleted. Every default is the conservative one, and a wrong value is an error
		 * rather than a guess: a guess could delete what a maintainer meant to keep.
		 */
		private RetentionPolicy retention(JsonNode node) {
			RetentionPolicy defaults = RetentionPolicy.DEFAULT;
			if (node == null) {
				return defaults;
			}
			if (!node.isObject()) {
				error("retention", "must be a table (applies-to, keep-newest, max-age-days), not " + typeName(node));
				return defaults;
			}
			for (String key : node.propertyNames()) {
				if (!RETENTION_KEYS.contains(key)) {
					warning("retention." + key, "unknown key, ignored (known keys: "
							+ String.join(", ", new TreeSet<>(RETENTION_KEYS)) + ")");
				}
			}
			RetentionPolicy.AppliesTo appliesTo = defaults.appliesTo();
			JsonNode applies = node.get("applies-to");
			if (applies != null) {
				Optional<RetentionPolicy.AppliesTo> value = applies.isString()
						? RetentionPolicy.AppliesTo.of(applies.stringValue().strip()) : Optional.empty();
				if (value.isEmpty()) {
					error("retention.applies-to", "must be \"prereleases\", \"all\" or \"none\", not "
							+ (applies.isString() ? "\"" + shorten(applies.stringValue()) + "\"" : typeName(applies)));
				}
				else {
					appliesTo = value.get();
				}
			}
			int keepNewest = count(node, "keep-newest", defaults.keepNewest(), RetentionPolicy.MAX_KEEP_NEWEST);
			int maxAgeDays = count(node, "max-age-days", defaults.maxAgeDays(), RetentionPolicy.MAX_AGE_DAYS);
			return new RetentionPolicy(appliesTo, keepNewest, maxAgeDays);
		}

		private int count(JsonNode table, String key, int fallback, int max) {
			JsonNode node = table.get(key);
			if (node == null) {
				return fallback;
			}
			if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 1 || node.intValue() > max) {
				String what = node.isIntegralNumber() ? node.asString() : typeName(node);
				error("retention." + key, "must be a whole number from 1 to " + max + ", not " + what);
				return fallback;
			}
			return node.intValue();
		}

		private List<String> projects(JsonNode node) {
			if (node == null) {
				error("projects",
						"is required: list the PyPI names this repository publishes, e.g. projects = [\"example\"]");
				return List.of();
			}
			List<String> names = strings(node, "projects");
			if (node.isArray() && names.isEmpty()) {
				error("projects", "must name at least one PyPI project");
			}
			if (names.size() > MAX_PROJECTS) {
				error("projects", "names " + names.size() + " projects; at most " + MAX_PROJECTS + " are accepted");
				return List.of();
			}
			Set<String> normalized = new LinkedHashSet<>();
			List<String> result = new ArrayList<>();
			for (String name : names) {
				if (!ProjectName.isValid(name)) {
					error("projects", "\"" + shorten(name) + "\" is not a valid PyPI project name");
				}
				else if (normalized.add(ProjectName.of(name).value())) {
					result.add(name);
				}
			}
			return result;
		}

		private String since(JsonNode node) {
			if (node == null) {
				return null;
			}
			if (!node.isString()) {
				error("since", "must be a string (a version such as \"1.2\" or a date such as \"2024-01-31\"), not "
						+ typeName(node));
				return null;
			}
			String value = node.stringValue().strip();
			boolean date = DATE.matcher(value).matches();
			if (!date && Version.tryParse(value).isEmpty()) {
				error("since", "\"" + shorten(value) + "\" is neither a PEP 440 version nor a yyyy-mm-dd date");
				return null;
			}
			return value;
		}

		private List<String> platforms(JsonNode node) {
			if (node == null) {
				return new ArrayList<>(BuildOptions.families());
			}
			Set<String> chosen = new TreeSet<>();
			for (String platform : strings(node, "platforms")) {
				String value = platform.strip().toLowerCase(Locale.ROOT);
				if (PLATFORMS.contains(value)) {
					chosen.add(value);
				}
				else {
					error("platforms",
							"\"" + shorten(platform) + "\" is neither a platform family ("
									+ String.join(", ", BuildOptions.families()) + ") nor a platform id ("
									+ String.join(", ", BuildOptions.platforms().keySet()) + ")");
				}
			}
			if (node.isArray() && chosen.isEmpty() && !hasErrors()) {
				error("platforms", "must name at least one platform; to stop builds, set enabled = false");
			}
			return new ArrayList<>(chosen);
		}

		/** cibuildwheel selectors: a string of space-separated patterns, or a list. */
		private String selector(JsonNode node, String key) {
			if (node == null) {
				return null;
			}
			List<String> patterns = new ArrayList<>();
			if (node.isString()) {
				patterns.addAll(List.of(node.stringValue().strip().split("\\s+")));
			}
			else if (node.isArray()) {
				for (String pattern : strings(node, key)) {
					patterns.addAll(List.of(pattern.strip().split("\\s+")));
				}
			}
			else {
				error(key, "must be a string of cibuildwheel selectors or an array of them, not " + typeName(node));
				return null;
			}
			patterns.removeIf(String::isEmpty);
			for (String pattern : patterns) {
				if (!pattern.matches("[A-Za-z0-9_*?.\\[\\]!:-]+")) {
					error(key, "\"" + shorten(pattern) + "\" is not a cibuildwheel selector");
					return null;
				}
			}
			return patterns.isEmpty() ? null : String.join(" ", patterns);
		}

		private SortedMap<String, Object> cibuildwheel(JsonNode node) {
			SortedMap<String, Object> options = new TreeMap<>();
			if (node == null) {
				return options;
			}
			if (!node.isObject()) {
				error("cibuildwheel", "must be a table of cibuildwheel options, not " + typeName(node));
				return options;
			}
			for (Map.Entry<String, JsonNode> option : node.properties()) {
				String key = "cibuildwheel." + option.getKey();
				if ("archs".equals(option.getKey())) {
					error(key, "is chosen by `platforms`: name platform ids such as linux-x86_64 or macos-arm64"
							+ " (each runs on its own runner with its own CIBW_ARCHS)");
					continue;
				}
				if (!CIBUILDWHEEL_OPTIONS.contains(option.getKey())) {
					error(key, "not an option the farm can pass to cibuildwheel (allowed: "
							+ String.join(", ", CIBUILDWHEEL_OPTIONS) + ")");
					continue;
				}
				Object value = optionValue(option.getValue(), key);
				if (value == null) {
					continue;
				}
				// The worker checks its options against the same schema: what passes here
				// is what the build job accepts.
				ObjectNode alone = JSON.createObjectNode();
				alone.putObject("cibuildwheel").set(option.getKey(), JSON.valueToTree(value));
				List<String> problems = BuildOptions.problems(alone);
				if (problems.isEmpty()) {
					options.put(option.getKey(), value);
				}
				else {
					error(key, "is not a value cibuildwheel's " + BuildOptions.variable(option.getKey())
							+ " takes here: " + String.join("; ", problems));
				}
			}
			return options;
		}

		/**
		 * cibuildwheel's own value shapes: a string, a list of strings, a table of
		 * strings, or a number.
		 */
		private Object optionValue(JsonNode value, String key) {
			if (value.isString()) {
				return checkedString(value.stringValue(), key);
			}
			if (value.isIntegralNumber() || value.isBoolean()) {
				return value.isBoolean() ? value.booleanValue() : value.longValue();
			}
			if (value.isArray()) {
				return strings(value, key);
			}
			if (value.isObject()) {
				SortedMap<String, String> table = new TreeMap<>();
				for (Map.Entry<String, JsonNode> entry : value.properties()) {
					if (!entry.getValue().isString() && !entry.getValue().isNumber() && !entry.getValue().isBoolean()) {
						error(key + "." + entry.getKey(), "must be a string, not " + typeName(entry.getValue()));
						continue;
					}
					table.put(entry.getKey(), checkedString(entry.getValue().asString(), key));
				}
				return table;
			}
			error(key, "must be a string, an array of strings or a table, not " + typeName(value));
			return null;
		}

		private boolean bool(JsonNode table, String key, boolean fallback) {
			JsonNode node = table.get(key);
			if (node == null) {
				return fallback;
			}
			if (!node.isBoolean()) {
				error(key, "must be true or false, not " + typeName(node));
				return fallback;
			}
			return node.booleanValue();
		}

		private List<String> strings(JsonNode node, String key) {
			List<String> values = new ArrayList<>();
			if (node == null) {
				return values;
			}
			if (!node.isArray()) {
				error(key, "must be an array of strings, not " + typeName(node));
				return values;
			}
			if (node.size() > MAX_LIST) {
				error(key, "has " + node.size() + " entries; at most " + MAX_LIST + " are accepted");
				return values;
			}
			Iterator<JsonNode> elements = node.values().iterator();
			for (int i = 0; elements.hasNext(); i++) {
				JsonNode element = elements.next();
				if (!element.isString()) {
					error(key, "entry " + (i + 1) + " must be a string, not " + typeName(element));
					continue;
				}
				String value = checkedString(element.stringValue(), key);
				if (value != null) {
					values.add(value);
				}
			}
			return values;
		}

		private String checkedString(String value, String key) {
			if (value.length() > MAX_STRING) {
				error(key, "is " + value.length() + " characters long; at most " + MAX_STRING + " are accepted");
				return null;
			}
			return value;
		}

		boolean hasErrors() {
			return this.problems.stream().anyMatch((problem) -> problem.severity() == ConfigProblem.Severity.error);
		}

		void error(String key, String message) {
			this.problems.add(ConfigProblem.error(shown(key), this.locator.find(full(key)), message));
		}

		void warning(String key, String message) {
			this.problems.add(ConfigProblem.warning(shown(key), this.locator.find(full(key)), message));
		}

		private String full(String key) {
			if (this.prefix.isEmpty()) {
				return key;
			}
			return key.isEmpty() ? this.prefix : this.prefix + "." + key;
		}

		private String shown(String key) {
			return full(key);
		}

	}

	private static Set<String> platformNames() {
		Set<String> names = new TreeSet<>(BuildOptions.families());
		names.addAll(BuildOptions.platforms().keySet());
		return names;
	}

	private static String shorten(String value) {
		return (value.length() > 80) ? value.substring(0, 80) + "…" : value;
	}

}
