package dev.wheelfarm.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.wheelfarm.optin.BuildOptions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The plan a build runs with, read from the options it was sent (its {@code options}
 * column): what the build page and {@code /api/builds/{id}} show, so that a maintainer
 * sees what their config did to this build, including what an engine cannot do (the local
 * builder runs this machine's platform only).
 *
 * @param strategy {@code auto}, {@code pure} or {@code native}
 * @param platforms each platform the platform build may run on, with its runner and
 * whether it runs here
 * @param build the cibuildwheel build selector ({@code CIBW_BUILD}), or null for the
 * farm's
 * @param skip the maintainer's cibuildwheel skip selector, added to the farm's
 * ({@code CIBW_SKIP}), or null
 * @param environment the maintainer's environment (a table of variables or cibuildwheel's
 * {@code NAME=value} text), or null
 * @param cibuildwheel every cibuildwheel option the maintainer set, by option name
 * @param settings each cibuildwheel option the maintainer set, with whether the build
 * applies it (a local build without cibuildwheel applies only the environment)
 */
public record BuildPlan(String strategy, List<PlannedPlatform> platforms, String build, String skip,
		JsonNode environment, JsonNode cibuildwheel, List<PlannedSetting> settings) {

	/** The engine that runs builds on this machine (see LocalEngine#name). */
	static final String LOCAL_ENGINE = "local";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/**
	 * One platform of the plan.
	 *
	 * @param platform the platform id
	 * @param runner the GitHub-hosted runner it runs on
	 * @param status {@code planned}, or {@code skipped} when the engine cannot build it
	 * @param reason why it is skipped, else null
	 */
	public record PlannedPlatform(String platform, String runner, String status, String reason) {

	}

	/**
	 * One cibuildwheel option of the plan.
	 *
	 * @param key the option's name ({@code before-all}, {@code environment}, ...)
	 * @param status {@code planned}, or {@code skipped} when the build does not apply it
	 * @param reason why it is skipped, else null
	 */
	public record PlannedSetting(String key, String status, String reason) {

	}

	/**
	 * The plan of a build's options on an engine that runs cibuildwheel wherever it runs
	 * a platform.
	 * @param options the options sent (a JSON object; {@code {}} = every default)
	 * @param engine the engine that runs it ({@code local}, {@code github}), or null when
	 * not dispatched yet
	 */
	public static BuildPlan of(String options, String engine) {
		return of(options, engine, null);
	}

	/**
	 * The plan of a build's options on an engine.
	 * @param options the options sent (a JSON object; {@code {}} = every default)
	 * @param engine the engine that runs it ({@code local}, {@code github}), or null when
	 * not dispatched yet
	 * @param noCibuildwheelHere why the local builder does not run cibuildwheel (it
	 * builds with {@code python -m build} instead), or null when it does; read only for
	 * local builds
	 */
	public static BuildPlan of(String options, String engine, String noCibuildwheelHere) {
		JsonNode sent = JSON.readTree((options != null) ? options : "{}");
		String here = hostPlatform();
		List<PlannedPlatform> platforms = new ArrayList<>();
		JsonNode chosen = sent.path("platforms");
		for (BuildOptions.Platform platform : BuildOptions.platforms().values()) {
			if (chosen.isArray() && !chosen.valueStream().anyMatch((id) -> platform.id().equals(id.asString()))) {
				continue;
			}
			if (LOCAL_ENGINE.equals(engine) && !platform.id().equals(here)) {
				platforms.add(new PlannedPlatform(platform.id(), platform.runner(), "skipped",
						"the local builder runs on " + here + " only; " + platform.id() + " needs the GitHub engine"));
			}
			else {
				platforms.add(new PlannedPlatform(platform.id(), platform.runner(), "planned", null));
			}
		}
		JsonNode cibuildwheel = sent.path("cibuildwheel");
		boolean withoutCibuildwheel = LOCAL_ENGINE.equals(engine) && noCibuildwheelHere != null;
		List<PlannedSetting> settings = new ArrayList<>();
		for (String key : cibuildwheel.propertyNames()) {
			if (withoutCibuildwheel && !BuildOptions.appliedWithoutCibuildwheel(key)) {
				settings.add(new PlannedSetting(key, "skipped", "the local builder does not run cibuildwheel ("
						+ noCibuildwheelHere + "); python -m build applies only the environment"));
			}
			else {
				settings.add(new PlannedSetting(key, "planned", null));
			}
		}
		return new BuildPlan(sent.path("strategy").asString(BuildOptions.STRATEGY_AUTO), platforms,
				sent.path("build").asString(null), sent.path("skip").asString(null),
				cibuildwheel.isObject() ? cibuildwheel.get("environment") : null,
				cibuildwheel.isObject() ? cibuildwheel : JSON.createObjectNode(), List.copyOf(settings));
	}

	/** This machine's platform id, as the worker names it (native_platform_id). */
	static String hostPlatform() {
		String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
		String arch = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
			case "amd64", "x86_64" -> "x86_64";
			case "aarch64", "arm64" -> "aarch64";
			default -> System.getProperty("os.arch", "");
		};
		if (os.startsWith("mac")) {
			return "macos-" + ("aarch64".equals(arch) ? "arm64" : arch);
		}
		if (os.startsWith("windows")) {
			return "windows-" + ("x86_64".equals(arch) ? "amd64" : "arm64");
		}
		return "linux-" + arch;
	}

}
