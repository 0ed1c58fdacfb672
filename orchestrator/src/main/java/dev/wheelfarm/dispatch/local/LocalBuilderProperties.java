package dev.wheelfarm.dispatch.local;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the local engine runs the worker ({@code wheelfarm.local.*}, documented in
 * docs/configuration.md). The time limit of a run is not here:
 * {@code wheelfarm.dispatch.run-timeout} limits runs of every engine.
 *
 * @param python the interpreter that runs the worker, {@code build} and cibuildwheel
 * @param offline build without isolation using the interpreter's installed backends (no
 * package index needed); by default builds are isolated, their build requirements
 * installed from {@code indexUrl}
 * @param indexUrl the package index isolated builds install build dependencies from
 * (empty: the farm's own pull-through cache, {@code /cache/simple/}); the sandbox lets
 * builds reach this index and nothing else
 * @param cibuildwheel {@code auto} runs cibuildwheel where it can run, {@code never}
 * keeps build's native wheel, {@code plan} only records what it would run
 * @param buildSelector the farm's {@code CIBW_BUILD}
 * @param skipSelector the farm's {@code CIBW_SKIP} (the maintainer's skip is added)
 * @param fetchRetries extra download attempts after a 404, 429 or 5xx
 * @param fetchBackoff the wait before the first retry (it doubles each time)
 */
@ConfigurationProperties("wheelfarm.local")
public record LocalBuilderProperties(@DefaultValue("python3") String python, @DefaultValue("false") boolean offline,
		@DefaultValue("") String indexUrl, @DefaultValue("auto") CibuildwheelMode cibuildwheel,
		@DefaultValue("cp3*") String buildSelector, @DefaultValue("") String skipSelector,
		@DefaultValue("4") int fetchRetries, @DefaultValue("15s") Duration fetchBackoff) {

	public LocalBuilderProperties {
		if (python == null || python.isBlank()) {
			throw new IllegalArgumentException("wheelfarm.local.python must be set");
		}
		if (fetchRetries < 0 || fetchRetries > 20) {
			throw new IllegalArgumentException("wheelfarm.local.fetch-retries must be within 0..20");
		}
		indexUrl = (indexUrl != null) ? indexUrl : "";
		cibuildwheel = (cibuildwheel != null) ? cibuildwheel : CibuildwheelMode.AUTO;
		buildSelector = (buildSelector != null) ? buildSelector : "cp3*";
		skipSelector = (skipSelector != null) ? skipSelector : "";
		fetchBackoff = (fetchBackoff != null) ? fetchBackoff : Duration.ofSeconds(15);
	}

	/** Defaults for an interpreter: what a farm without configuration uses. */
	public static LocalBuilderProperties defaults(String python) {
		return new LocalBuilderProperties(python, false, "", CibuildwheelMode.AUTO, "cp3*", "", 4,
				Duration.ofSeconds(15));
	}

	/**
	 * These settings, building offline (no isolation) or isolated from {@code indexUrl}.
	 */
	public LocalBuilderProperties withIndex(boolean offline, String indexUrl) {
		return new LocalBuilderProperties(this.python, offline, indexUrl, this.cibuildwheel, this.buildSelector,
				this.skipSelector, this.fetchRetries, this.fetchBackoff);
	}

	public LocalBuilderProperties withFetch(int retries, Duration backoff) {
		return new LocalBuilderProperties(this.python, this.offline, this.indexUrl, this.cibuildwheel,
				this.buildSelector, this.skipSelector, retries, backoff);
	}

	public LocalBuilderProperties withCibuildwheel(CibuildwheelMode mode, String build, String skip) {
		return new LocalBuilderProperties(this.python, this.offline, this.indexUrl, mode, build, skip,
				this.fetchRetries, this.fetchBackoff);
	}

	/** What the worker does when a platform wheel is needed. */
	public enum CibuildwheelMode {

		AUTO, NEVER, PLAN

	}

}
