package dev.wheelfarm.dispatch;

import java.util.List;
import java.util.Map;

import dev.wheelfarm.builds.RecipeFingerprint;
import dev.wheelfarm.dispatch.install.WorkflowBundle;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Composes a build's recipe fingerprint from everything besides the sdist that decides
 * its outcome: the worker and workflow this jar ships (their content hash covers the
 * worker's code and the pinned build and cibuildwheel versions), the engine, and the
 * maintainer's settings. Whoever queues a build (the watcher, a request) asks here, so a
 * new jar or a changed config is a new recipe and earlier permanent failures may be
 * retried under it.
 */
@Component
public class Recipes {

	/** The maintainer settings that reach the build job, in a fixed order. */
	static final List<String> BUILD_KEYS = List.of("build", "cibuildwheel", "platforms", "skip");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final String bundleHash;

	private final String engine;

	@Autowired
	public Recipes(EngineSelection selection) {
		this(WorkflowBundle.fromClasspath().contentHash(), selection.builder().name());
	}

	Recipes(String bundleHash, String engine) {
		this.bundleHash = bundleHash;
		this.engine = engine;
	}

	/**
	 * The recipe for a project's settings. Only the settings that change how a wheel is
	 * built count; those that choose which releases are built ({@code since},
	 * {@code prereleases}, {@code skip-versions}) or who may ask
	 * ({@code accept-requests}) do not, or changing them would retry every failure.
	 * @param settingsJson the maintainer's effective settings as canonical JSON
	 * (PostgreSQL {@code jsonb} text is canonical: keys ordered, whitespace fixed)
	 */
	public RecipeFingerprint forSettings(String settingsJson) {
		return RecipeFingerprint
			.of(Map.of("bundle", this.bundleHash, "engine", this.engine, "settings", buildSettings(settingsJson)));
	}

	private static String buildSettings(String settingsJson) {
		if (settingsJson == null) {
			return "{}";
		}
		JsonNode settings = JSON.readTree(settingsJson);
		ObjectNode kept = JSON.createObjectNode();
		for (String key : BUILD_KEYS) {
			if (settings.has(key)) {
				kept.set(key, settings.get(key));
			}
		}
		return JSON.writeValueAsString(kept);
	}

}
