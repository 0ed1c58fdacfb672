package dev.wheelfarm.builds;

import java.util.Map;

import dev.wheelfarm.optin.BuildOptions;

/**
 * Composes a build's recipe fingerprint from everything besides the sdist that decides
 * its outcome: the worker and workflow this jar ships (their content hash covers the
 * worker's code and the pinned build and cibuildwheel versions), the engine, and the
 * maintainer's settings. Whoever queues a build (the watcher, a request) asks here, so a
 * new jar or a changed config is a new recipe and earlier permanent failures may be
 * retried under it. The dispatch feature makes the one instance (it knows the bundle and
 * the engine), so deciding what to build does not depend on how it is built.
 */
public class Recipes {

	private final String bundleHash;

	private final String engine;

	/**
	 * @param bundleHash the content hash of the worker and workflow the jar ships
	 * @param engine the name of the engine that runs the builds
	 */
	public Recipes(String bundleHash, String engine) {
		this.bundleHash = bundleHash;
		this.engine = engine;
	}

	/**
	 * The recipe for a project's settings: its fingerprint and the build options it
	 * sends. Only the settings that change how a wheel is built count, and they count as
	 * the options the worker receives ({@link BuildOptions#fromSettings}); those that
	 * choose which releases are built ({@code since}, {@code prereleases},
	 * {@code skip-versions}) or who may ask ({@code accept-requests}) do not, or changing
	 * them would retry every failure.
	 * @param settingsJson the maintainer's effective settings as JSON, or null for none
	 */
	public Recipe recipe(String settingsJson) {
		String options = BuildOptions.fromSettings(settingsJson);
		Map<String, String> parts = Map.of("bundle", this.bundleHash, "engine", this.engine, "options", options);
		return new Recipe(RecipeFingerprint.of(parts), options, parts);
	}

	/** The fingerprint of {@link #recipe}. */
	public RecipeFingerprint forSettings(String settingsJson) {
		return recipe(settingsJson).fingerprint();
	}

	/**
	 * What a build is queued under.
	 *
	 * @param fingerprint the ledger's recipe key
	 * @param options the build options the worker receives (canonical JSON)
	 * @param parts what the fingerprint is the hash of, by name (recorded with the build,
	 * so a wheel's public record shows what it was built with)
	 */
	public record Recipe(RecipeFingerprint fingerprint, String options, Map<String, String> parts) {

		public Recipe {
			parts = Map.copyOf(parts);
		}

	}

}
