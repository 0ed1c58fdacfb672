package dev.wheelfarm.pypi;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.wheelfarm.shared.Version;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Which releases a maintainer wants built, read from {@code project.settings} (until the
 * opt-in feature supplies them): {@code since} (a minimum version, or a date
 * {@code yyyy-mm-dd} compared with the release's first upload), {@code prereleases}
 * (default false) and {@code skip-versions}.
 *
 * @param sinceVersion the lowest version to build, if set as a version
 * @param sinceDate the earliest upload time to build, if set as a date
 * @param prereleases whether pre- and dev releases are built
 * @param skipVersions versions never to build
 */
record WatchSettings(Optional<Version> sinceVersion, Optional<Instant> sinceDate, boolean prereleases,
		List<String> skipVersions) {

	static final WatchSettings DEFAULTS = new WatchSettings(Optional.empty(), Optional.empty(), false, List.of());

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/**
	 * Lenient on purpose: a wrong type falls back to the default, never to "build all".
	 */
	static WatchSettings fromJson(String json) {
		if (json == null) {
			return DEFAULTS;
		}
		JsonNode root;
		try {
			root = JSON.readTree(json);
		}
		catch (JacksonException ex) {
			return DEFAULTS;
		}
		Optional<Version> sinceVersion = Optional.empty();
		Optional<Instant> sinceDate = Optional.empty();
		String since = root.path("since").isString() ? root.path("since").stringValue().strip() : null;
		if (since != null && since.matches("\\d{4}-\\d{2}-\\d{2}")) {
			try {
				sinceDate = Optional.of(LocalDate.parse(since).atStartOfDay().toInstant(ZoneOffset.UTC));
			}
			catch (DateTimeParseException ex) {
				sinceDate = Optional.empty();
			}
		}
		else if (since != null) {
			sinceVersion = Version.tryParse(since);
		}
		List<String> skip = new ArrayList<>();
		for (JsonNode version : root.path("skip-versions")) {
			if (version.isString()) {
				skip.add(version.stringValue().strip());
			}
		}
		return new WatchSettings(sinceVersion, sinceDate, root.path("prereleases").asBoolean(false), List.copyOf(skip));
	}

	/**
	 * Whether the maintainer wants this release built.
	 * @param version the version string as PyPI spells it
	 * @param firstUpload the earliest upload time of its files, if known
	 */
	boolean wants(String version, Instant firstUpload) {
		Optional<Version> parsed = Version.tryParse(version);
		for (String skipped : this.skipVersions) {
			if (skipped.equals(version) || (parsed.isPresent()
					&& Version.tryParse(skipped).map((s) -> s.compareTo(parsed.get()) == 0).orElse(false))) {
				return false;
			}
		}
		if (!this.prereleases && parsed.map(Version::isPrerelease).orElse(false)) {
			return false;
		}
		if (this.sinceVersion.isPresent()
				&& (parsed.isEmpty() || parsed.get().compareTo(this.sinceVersion.get()) < 0)) {
			return false;
		}
		return this.sinceDate.isEmpty() || (firstUpload != null && !firstUpload.isBefore(this.sinceDate.get()));
	}

}
