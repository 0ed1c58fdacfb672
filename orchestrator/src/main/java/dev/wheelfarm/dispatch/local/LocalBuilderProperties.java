package dev.wheelfarm.dispatch.local;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the local engine runs the worker ({@code wheelfarm.local.*}, documented in
 * docs/configuration.md). The time limit of a run is not here:
 * {@code wheelfarm.dispatch.run-timeout} limits runs of every engine.
 *
 * @param python the interpreter that runs the worker, {@code build} and cibuildwheel
 * @param offline build without isolation using the interpreter's installed backends (no
 * package index needed); otherwise isolated builds from {@code indexUrl}
 * @param indexUrl the package index isolated builds install build dependencies from
 * (empty: pip's default)
 * @param cibuildwheel {@code auto} runs cibuildwheel where it can run, {@code never}
 * keeps build's native wheel, {@code plan} only records what it would run
 * @param buildSelector the farm's {@code CIBW_BUILD}
 * @param skipSelector the farm's {@code CIBW_SKIP} (the maintainer's skip is added)
 * @param fetchRetries extra download attempts after a 404, 429 or 5xx
 * @param fetchBackoff the wait before the first retry (it doubles each time)
 * @param runsDir where each run's worker works and leaves its result; empty:
 * {@code <data-dir>/local-runs}. Replicas on one build machine set the same directory, so
 * that when one dies, another adopts its running workers (by pid) instead of building
 * again
 */
@ConfigurationProperties("wheelfarm.local")
public record LocalBuilderProperties(@DefaultValue("python3") String python, @DefaultValue("true") boolean offline,
		@DefaultValue("") String indexUrl, @DefaultValue("auto") CibuildwheelMode cibuildwheel,
		@DefaultValue("cp3*") String buildSelector, @DefaultValue("") String skipSelector,
		@DefaultValue("4") int fetchRetries, @DefaultValue("15s") Duration fetchBackoff, Path runsDir) {

	@ConstructorBinding
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
		runsDir = (runsDir != null) ? runsDir.toAbsolutePath().normalize() : null;
	}

	/** Settings whose runs live under the data directory. */
	public LocalBuilderProperties(String python, boolean offline, String indexUrl, CibuildwheelMode cibuildwheel,
			String buildSelector, String skipSelector, int fetchRetries, Duration fetchBackoff) {
		this(python, offline, indexUrl, cibuildwheel, buildSelector, skipSelector, fetchRetries, fetchBackoff, null);
	}

	/**
	 * Where runs live: {@code runsDir}, or {@code local-runs} under the data directory.
	 */
	public Path runsDirUnder(Path dataDir) {
		return (this.runsDir != null) ? this.runsDir : dataDir.resolve("local-runs");
	}

	/** Defaults for an interpreter: what a farm without configuration uses. */
	public static LocalBuilderProperties defaults(String python) {
		return new LocalBuilderProperties(python, true, "", CibuildwheelMode.AUTO, "cp3*", "", 4,
				Duration.ofSeconds(15));
	}

	public LocalBuilderProperties withFetch(int retries, Duration backoff) {
		return new LocalBuilderProperties(this.python, this.offline, this.indexUrl, this.cibuildwheel,
				this.buildSelector, this.skipSelector, retries, backoff, this.runsDir);
	}

	public LocalBuilderProperties withCibuildwheel(CibuildwheelMode mode, String build, String skip) {
		return new LocalBuilderProperties(this.python, this.offline, this.indexUrl, mode, build, skip,
				this.fetchRetries, this.fetchBackoff, this.runsDir);
	}

	/** What the worker does when a platform wheel is needed. */
	public enum CibuildwheelMode {

		AUTO, NEVER, PLAN

	}

}
