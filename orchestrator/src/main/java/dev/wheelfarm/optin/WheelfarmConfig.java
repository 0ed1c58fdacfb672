package dev.wheelfarm.optin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.wheelfarm.retention.RetentionPolicy;
import tools.jackson.databind.json.JsonMapper;

/**
 * A maintainer's config as the farm understood it, with every default filled in, so that
 * two files that mean the same produce the same settings (and the same recipe).
 *
 * @param projects the PyPI names this repository publishes, as the maintainer spelled
 * them
 * @param enabled whether the farm should build for them
 * @param since the oldest version (or {@code yyyy-mm-dd} date) to backfill, or null for
 * all
 * @param prereleases whether pre- and dev releases are built
 * @param skipVersions versions never to build, sorted
 * @param platforms platform families to build for, sorted
 * @param build cibuildwheel's build selector, or null for the farm's
 * @param skip cibuildwheel's skip selector, or null for none
 * @param acceptRequests whether anyone may request builds of these projects' releases
 * @param cibuildwheel allow-listed cibuildwheel options, by option name
 * @param retention which of the farm's files of these projects may be deleted, and when
 * @param uploadTokenSha256 the SHA-256 (lowercase hex) of each token that may upload
 * these projects' files, sorted; empty when none may (two during a rotation)
 * @param publish {@code immediate} (files are public as soon as they are stored) or
 * {@code review} (farm builds wait in the project's stage until it is published)
 * @param strategy {@code auto} (the pure build, then the platform build when needed),
 * {@code pure} (never the platform build) or {@code native} (no pure attempt)
 * @param trustedPublisher which workflow of the repository may sign these projects' PEP
 * 740 attestations, and its environment
 */
public record WheelfarmConfig(List<String> projects, boolean enabled, String since, boolean prereleases,
		List<String> skipVersions, List<String> platforms, String build, String skip, boolean acceptRequests,
		SortedMap<String, Object> cibuildwheel, RetentionPolicy retention, List<String> uploadTokenSha256,
		String publish, String strategy, TrustedPublisher trustedPublisher) {

	/** Files are public as soon as they are stored. */
	public static final String PUBLISH_IMMEDIATE = "immediate";

	/** Farm builds wait in the project's stage until someone publishes it. */
	public static final String PUBLISH_REVIEW = "review";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	public WheelfarmConfig {
		projects = List.copyOf(projects);
		skipVersions = List.copyOf(skipVersions);
		platforms = List.copyOf(platforms);
		cibuildwheel = new TreeMap<>(cibuildwheel);
		retention = (retention != null) ? retention : RetentionPolicy.DEFAULT;
		uploadTokenSha256 = List.copyOf(uploadTokenSha256);
		strategy = (strategy != null) ? strategy : BuildOptions.STRATEGY_AUTO;
		trustedPublisher = (trustedPublisher != null) ? trustedPublisher : TrustedPublisher.ANY;
	}

	/**
	 * The settings a project gets, as canonical JSON: keys sorted, defaults explicit.
	 * {@code projects} and {@code enabled} are left out on purpose: they decide whether
	 * there are builds at all, not how they are made, so naming another project or
	 * pausing must not change the recipe. {@code retention} is left out too: it decides
	 * how long wheels are kept, not how they are built. So are the upload tokens and the
	 * publish mode: they decide who may add files and when files become public, and
	 * rotating a token must not rebuild every release.
	 */
	public String settingsJson() {
		SortedMap<String, Object> settings = new TreeMap<>();
		if (this.since != null) {
			settings.put("since", this.since);
		}
		settings.put("prereleases", this.prereleases);
		settings.put("skip-versions", this.skipVersions);
		settings.put("platforms", this.platforms);
		if (this.build != null) {
			settings.put("build", this.build);
		}
		if (this.skip != null) {
			settings.put("skip", this.skip);
		}
		settings.put("accept-requests", this.acceptRequests);
		if (!this.cibuildwheel.isEmpty()) {
			settings.put("cibuildwheel", this.cibuildwheel);
		}
		if (!BuildOptions.STRATEGY_AUTO.equals(this.strategy)) {
			settings.put("strategy", this.strategy);
		}
		return JSON.writeValueAsString(settings);
	}

	/** The whole config as JSON, for the status resource. */
	public String toJson() {
		Map<String, Object> all = new LinkedHashMap<>();
		all.put("projects", this.projects);
		all.put("enabled", this.enabled);
		all.put("since", this.since);
		all.put("prereleases", this.prereleases);
		all.put("skip-versions", this.skipVersions);
		all.put("platforms", this.platforms);
		all.put("build", this.build);
		all.put("skip", this.skip);
		all.put("accept-requests", this.acceptRequests);
		all.put("cibuildwheel", this.cibuildwheel);
		all.put("retention", this.retention.toMap());
		all.put("upload-token-sha256", this.uploadTokenSha256);
		all.put("publish", this.publish);
		all.put("strategy", this.strategy);
		Map<String, Object> publisher = new LinkedHashMap<>();
		publisher.put("workflow", this.trustedPublisher.workflow());
		publisher.put("environment", this.trustedPublisher.environment());
		all.put("trusted-publisher", publisher);
		return JSON.writeValueAsString(all);
	}

	/**
	 * {@code [trusted-publisher]}: narrows who may sign attestations of these projects'
	 * uploads, beyond "a workflow of this repository".
	 *
	 * @param workflow the workflow file ({@code release.yml}) that must have signed, or
	 * null for any workflow of the repository
	 * @param environment the GitHub environment the workflow publishes from, named in the
	 * served provenance (a certificate does not carry it), or null
	 */
	public record TrustedPublisher(String workflow, String environment) {

		/** Any workflow of the repository. */
		public static final TrustedPublisher ANY = new TrustedPublisher(null, null);

	}

}
