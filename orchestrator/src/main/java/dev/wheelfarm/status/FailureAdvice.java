package dev.wheelfarm.status;

import java.util.List;
import java.util.Optional;

import dev.wheelfarm.builds.FailureClass;

/**
 * What a maintainer does about each failure class: the build page's "What to do", the
 * same advice as docs/maintainers.md's "My build failed" table, in shorter steps. Each
 * step is a sentence and, where there is one, the line to copy into the config.
 */
public final class FailureAdvice {

	private FailureAdvice() {
	}

	/** The advice for a class code; empty for a code this farm does not know. */
	public static Optional<Advice> of(String failureClass) {
		return FailureClass.fromCode(failureClass).map(FailureAdvice::of);
	}

	static Advice of(FailureClass failure) {
		return switch (failure) {
			case COMPILE_ERROR -> new Advice("The compiler (or rustc, Cython) stopped on an error in the source.", List
				.of(new Step("Fix the code in a new release.", null), new Step(
						"For an old release, leave out the platforms it cannot build on (a new recipe: the farm tries again by itself):",
						"[tool.wheelfarm]\nskip = \"*-win32\"   # or: platforms = [\"linux\"]")));
			case MISSING_SYSTEM_DEPENDENCY ->
				new Advice("A C header, a library, a pkg-config package or a compiler was not there.", List.of(new Step(
						"Add a before-all that installs it before cibuildwheel builds (yum on manylinux, apk on musllinux, brew on macOS); a new recipe, so the farm tries again by itself:",
						"[tool.wheelfarm.cibuildwheel]   # [cibuildwheel] in wheelfarm.toml\nbefore-all = \"yum install -y foo-devel\""),
						new Step("Or build only on the platforms that have it:",
								"[tool.wheelfarm]\nplatforms = [\"linux\"]")));
			case MISSING_BUILD_DEPENDENCY -> new Advice(
					"The build imported a package the build environment did not have, or pip found no version of a build requirement.",
					List.of(new Step("Declare the build requirement in the next release's pyproject.toml:",
							"[build-system]\nrequires = [\"setuptools\", \"the-missing-package\"]"),
							new Step(
									"If it was declared and a fixed version has been published since, ask for a rebuild (below).",
									null)));
			case UNSUPPORTED_BACKEND -> new Advice(
					"The sdist names a build backend that is not available, or has neither pyproject.toml nor setup.py.",
					List.of(new Step("Publish a release whose sdist declares its backend in [build-system].", null),
							new Step("If the backend has been published on PyPI since, ask for a rebuild (below).",
									null)));
			case CONFIG_ERROR -> new Advice("An option the build was given is not valid.", List.of(new Step(
					"Correct the setting in your config; the farm's reading of it, with line and column, is at /api/opt-ins/<project>. The corrected config is a new recipe.",
					null)));
			case SDIST_MISMATCH -> new Advice(
					"The sdist's bytes are not the ones PyPI announced, or the archive is malformed or unsafe.",
					List.of(new Step("Nothing to build from: publish a new release with a well-formed sdist.", null)));
			case INVALID_WHEEL -> new Advice("The build said it succeeded, but a wheel failed the farm's checks.",
					List.of(new Step(
							"Fix the packaging metadata (name, version, the files the backend lists) in a new release.",
							null)));
			case TIMEOUT -> new Advice("A step or the whole job ran longer than the farm allows.",
					List.of(new Step("Retried on its own.", null),
							new Step("A build that always needs longer needs fewer platforms (a new recipe):",
									"[tool.wheelfarm]\nplatforms = [\"linux\"]"),
							new Step("After a slow day, once it gave up: ask for a rebuild (below).", null)));
			case NETWORK -> new Advice("The sdist could not be downloaded.", retriedThenRebuild());
			case UNKNOWN -> new Advice("The build failed with output the farm does not recognise.", List.of(
					new Step("Read the log below. If the cause is in the sdist, fix it in a new release.", null),
					new Step("If it was fixed outside (a dependency, PyPI), ask for a rebuild (below).", null)));
			case RUNNER_LOST -> new Advice("The machine running the build went away.", retriedThenRebuild());
			case BUILDER_UNAVAILABLE ->
				new Advice("The farm's build engine refused the build or did not start it.", retriedThenRebuild());
			case ARTIFACT_DOWNLOAD_FAILED ->
				new Advice("The run finished but its wheels could not be downloaded.", retriedThenRebuild());
			case SANDBOX_LIMIT -> new Advice(
					"The build used more memory, processes or disk than the farm's build sandbox allows.",
					List.of(new Step(
							"Make the build lighter in a new release (fewer parallel compile jobs, no large"
									+ " temporary files), or ask the farm's operator whether the limits can be raised.",
							null)));
			case SANDBOX_DENIED -> new Advice(
					"The build tried something the sandbox does not allow: the network beyond the package index,"
							+ " files outside its work directory, or the farm's own settings.",
					List.of(new Step("Declare what the build downloads as a build requirement instead of fetching it"
							+ " from setup.py, in a new release.", null)));
			case ATTESTATION_MISSING -> new Advice(
					"The GitHub run delivered a wheel without its signed attestation, so the farm did not publish it.",
					List.of(new Step("Nothing to change in your project: the farm's operator fixes the signing step,"
							+ " then ask for a rebuild (below).", null)));
			case ATTESTATION_INVALID -> new Advice(
					"A wheel's attestation did not verify against the farm's own build workflow, so the farm did not"
							+ " publish it.",
					List.of(new Step("Nothing to change in your project: tell the farm's operator, then ask for a"
							+ " rebuild (below).", null)));
		};
	}

	private static List<Step> retriedThenRebuild() {
		return List.of(new Step("Nothing to change: the farm retries on its own.", null),
				new Step("Once it gave up, ask for a rebuild (below).", null));
	}

	/**
	 * @param meaning what the class means, in a sentence
	 * @param steps what to do, in order
	 */
	public record Advice(String meaning, List<Step> steps) {

	}

	/**
	 * @param text what to do
	 * @param snippet config to copy, or null
	 */
	public record Step(String text, String snippet) {

	}

}
