package dev.wheelfarm.dispatch;

import java.util.Map;

import dev.wheelfarm.builds.RecipeFingerprint;
import dev.wheelfarm.dispatch.install.WorkflowBundle;

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
	 * The recipe for a project's settings.
	 * @param settingsJson the maintainer's effective settings as canonical JSON
	 * (PostgreSQL {@code jsonb} text is canonical: keys ordered, whitespace fixed)
	 */
	public RecipeFingerprint forSettings(String settingsJson) {
		return RecipeFingerprint.of(Map.of("bundle", this.bundleHash, "engine", this.engine, "settings",
				(settingsJson != null) ? settingsJson : "{}"));
	}

}
