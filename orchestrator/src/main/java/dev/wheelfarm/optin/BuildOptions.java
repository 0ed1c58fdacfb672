package dev.wheelfarm.optin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.AnnotationKeyword;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The build options a build job receives, as {@code worker-templates/options.schema.json}
 * defines them: the one contract between a maintainer's config, the recipe, the
 * workflow's {@code options} input and the worker, which checks what it receives against
 * the same file. The config parser takes the keys it accepts from here; the recipe sends
 * {@link #fromSettings} of a project's settings.
 */
public final class BuildOptions {

	/** Where the build puts the schema inside the jar (see orchestrator/pom.xml). */
	public static final String SCHEMA_RESOURCE = "wheelfarm/worker-templates/options.schema.json";

	/** The default strategy: the pure build first, the platform build when needed. */
	public static final String STRATEGY_AUTO = "auto";

	// Sorted keys at every depth: settings read back from PostgreSQL's jsonb come in its
	// own key order, and the same options must always be the same text.
	private static final JsonMapper JSON = JsonMapper.builder().enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED).build();

	private static final JsonNode SCHEMA_JSON = readSchema();

	// Draft 2020-12 plus the contract's own annotations, which say how each key reaches
	// the build job and constrain nothing.
	private static final Schema SCHEMA = SchemaRegistry
		.withDefaultDialect(Dialect.builder(Dialects.getDraft202012())
			.keyword(new AnnotationKeyword("x-wheelfarm-env"))
			.keyword(new AnnotationKeyword("x-wheelfarm-join"))
			.keyword(new AnnotationKeyword("x-wheelfarm-without-cibuildwheel"))
			.keyword(new AnnotationKeyword("x-wheelfarm-platforms"))
			.build())
		.getSchema(SCHEMA_JSON);

	private static final Map<String, Platform> PLATFORMS = platforms();

	private BuildOptions() {
	}

	/**
	 * A platform the build can run on.
	 *
	 * @param id the platform id ({@code linux-x86_64})
	 * @param family the family a maintainer may name instead ({@code linux})
	 * @param runner the GitHub-hosted runner its workflow job runs on
	 */
	public record Platform(String id, String family, String runner) {

	}

	/** The strategies, default first. */
	public static List<String> strategies() {
		List<String> strategies = new ArrayList<>();
		SCHEMA_JSON.path("properties").path("strategy").path("enum").forEach((e) -> strategies.add(e.asString()));
		return strategies;
	}

	/** Every platform id, in the schema's order, with its family and runner. */
	public static Map<String, Platform> platforms() {
		if (PLATFORMS != null) {
			return PLATFORMS;
		}
		Map<String, Platform> platforms = new LinkedHashMap<>();
		for (Map.Entry<String, JsonNode> entry : SCHEMA_JSON.path("x-wheelfarm-platforms").properties()) {
			platforms.put(entry.getKey(), new Platform(entry.getKey(), entry.getValue().path("family").asString(),
					entry.getValue().path("runner").asString()));
		}
		return Collections.unmodifiableMap(platforms);
	}

	/** The platform families, each standing for all its platform ids. */
	public static Set<String> families() {
		Set<String> families = new TreeSet<>();
		platforms().values().forEach((platform) -> families.add(platform.family()));
		return families;
	}

	/** The cibuildwheel options a maintainer may set. */
	public static Set<String> cibuildwheelKeys() {
		return new TreeSet<>(SCHEMA_JSON.path("properties").path("cibuildwheel").path("properties").propertyNames());
	}

	/**
	 * Whether a build applies this cibuildwheel option when cibuildwheel does not run
	 * (the schema's {@code x-wheelfarm-without-cibuildwheel}): the local builder then
	 * builds with {@code python -m build}, which takes the environment and nothing else.
	 */
	public static boolean appliedWithoutCibuildwheel(String cibuildwheelKey) {
		return SCHEMA_JSON.path("properties")
			.path("cibuildwheel")
			.path("properties")
			.path(cibuildwheelKey)
			.path("x-wheelfarm-without-cibuildwheel")
			.asBoolean(false);
	}

	/** The CIBW_* variable a cibuildwheel option (or build, skip) becomes. */
	public static String variable(String cibuildwheelKey) {
		return SCHEMA_JSON.path("properties")
			.path("cibuildwheel")
			.path("properties")
			.path(cibuildwheelKey)
			.path("x-wheelfarm-env")
			.asString();
	}

	/** The top-level keys of the options object. */
	public static Set<String> keys() {
		return new TreeSet<>(SCHEMA_JSON.path("properties").propertyNames());
	}

	/**
	 * Why an options object breaks the schema; empty when it holds. Each problem names
	 * the place ({@code /cibuildwheel/environment}) and what is wrong.
	 */
	public static List<String> problems(JsonNode options) {
		List<String> problems = new ArrayList<>();
		for (Error error : SCHEMA.validate(options)) {
			problems.add(error.getInstanceLocation() + ": " + error.getMessage());
		}
		return problems;
	}

	/**
	 * The options a project's settings send to the worker, as canonical JSON (keys
	 * sorted, defaults explicit, families expanded to platform ids), so that two configs
	 * that mean the same send the same.
	 * @param settingsJson the project's effective settings
	 * ({@link WheelfarmConfig#settingsJson()}), or null for none
	 * @throws IllegalStateException when the result breaks the schema: the parser let
	 * through what the worker refuses, a bug
	 */
	public static String fromSettings(String settingsJson) {
		JsonNode settings = (settingsJson != null) ? JSON.readTree(settingsJson) : JSON.createObjectNode();
		ObjectNode options = JSON.createObjectNode();
		String strategy = settings.path("strategy").asString(STRATEGY_AUTO);
		JsonNode cibuildwheel = settings.path("cibuildwheel");
		if (cibuildwheel.isObject() && !cibuildwheel.isEmpty()) {
			options.set("cibuildwheel", cibuildwheel);
		}
		if (settings.path("build").isString()) {
			options.put("build", settings.path("build").asString());
		}
		ArrayNode platforms = options.putArray("platforms");
		for (String id : platformIds(settings.path("platforms"))) {
			platforms.add(id);
		}
		if (settings.path("skip").isString()) {
			options.put("skip", settings.path("skip").asString());
		}
		options.put("strategy", strategy);
		List<String> problems = problems(options);
		if (!problems.isEmpty()) {
			throw new IllegalStateException("build options break options.schema.json: " + problems);
		}
		return JSON.writeValueAsString(options);
	}

	/** Platform ids and families, as a maintainer wrote them, as sorted platform ids. */
	static List<String> platformIds(JsonNode chosen) {
		Set<String> ids = new TreeSet<>();
		if (!chosen.isArray() || chosen.isEmpty()) {
			ids.addAll(platforms().keySet());
		}
		else {
			for (JsonNode entry : chosen) {
				String value = entry.asString();
				if (platforms().containsKey(value)) {
					ids.add(value);
				}
				platforms().values()
					.stream()
					.filter((platform) -> platform.family().equals(value))
					.forEach((platform) -> ids.add(platform.id()));
			}
		}
		return new ArrayList<>(ids);
	}

	private static JsonNode readSchema() {
		try (InputStream in = BuildOptions.class.getClassLoader().getResourceAsStream(SCHEMA_RESOURCE)) {
			if (in == null) {
				throw new IllegalStateException("the options schema is missing from the classpath: " + SCHEMA_RESOURCE);
			}
			return JSON.readTree(in);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read " + SCHEMA_RESOURCE, ex);
		}
	}

}
