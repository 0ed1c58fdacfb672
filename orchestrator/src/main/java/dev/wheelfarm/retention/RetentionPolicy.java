package dev.wheelfarm.retention;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.wheelfarm.shared.Version;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a project's maintainer allows the farm to delete: among the versions the policy
 * {@linkplain AppliesTo applies to}, the newest {@code keepNewest} always stay, and the
 * others go once they are older than {@code maxAgeDays}. The newest N stay whatever their
 * age, so a project that pauses its nightlies for months still has something its users'
 * CI can install.
 *
 * @param appliesTo which versions may be deleted at all
 * @param keepNewest how many of those versions always stay (at least 1)
 * @param maxAgeDays the age beyond which the others go (at least 1)
 */
public record RetentionPolicy(AppliesTo appliesTo, int keepNewest, int maxAgeDays) {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** The largest {@code keep-newest} accepted: more is "keep everything". */
	public static final int MAX_KEEP_NEWEST = 10_000;

	/** The largest {@code max-age-days} accepted (a century). */
	public static final int MAX_AGE_DAYS = 36_500;

	/** Dev and pre-releases beyond the newest 5, once older than 30 days. */
	public static final RetentionPolicy DEFAULT = new RetentionPolicy(AppliesTo.PRERELEASES, 5, 30);

	public RetentionPolicy {
		if (appliesTo == null) {
			throw new IllegalArgumentException("a retention policy says which versions it applies to");
		}
		if (keepNewest < 1 || keepNewest > MAX_KEEP_NEWEST) {
			throw new IllegalArgumentException("keep-newest must be between 1 and " + MAX_KEEP_NEWEST);
		}
		if (maxAgeDays < 1 || maxAgeDays > MAX_AGE_DAYS) {
			throw new IllegalArgumentException("max-age-days must be between 1 and " + MAX_AGE_DAYS);
		}
	}

	/** Whether this policy may ever delete {@code version}. */
	public boolean covers(Version version) {
		return switch (this.appliesTo) {
			case ALL -> true;
			case PRERELEASES -> version.isPrerelease();
			case NONE -> false;
		};
	}

	/** The policy in the config's own words, as stored with the config and shown. */
	public Map<String, Object> toMap() {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("applies-to", this.appliesTo.key());
		map.put("keep-newest", this.keepNewest);
		map.put("max-age-days", this.maxAgeDays);
		return map;
	}

	/**
	 * The policy as {@link #toMap} stored it with the config; keys it lacks take the
	 * defaults.
	 * @throws IllegalArgumentException if the text is not such a policy
	 */
	public static RetentionPolicy fromStored(String json) {
		JsonNode table;
		try {
			table = JSON.readTree(json);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("not JSON: " + ex.getOriginalMessage(), ex);
		}
		AppliesTo appliesTo = table.has("applies-to")
				? AppliesTo.of(table.get("applies-to").asString())
					.orElseThrow(() -> new IllegalArgumentException("unknown applies-to " + table.get("applies-to")))
				: DEFAULT.appliesTo();
		return new RetentionPolicy(appliesTo, table.path("keep-newest").asInt(DEFAULT.keepNewest()),
				table.path("max-age-days").asInt(DEFAULT.maxAgeDays()));
	}

	/** The policy in one sentence, for the project page. */
	public String describe() {
		return switch (this.appliesTo) {
			case NONE -> "nothing is ever removed";
			case ALL -> "every version beyond the newest " + this.keepNewest + " is removed once older than "
					+ this.maxAgeDays + " days";
			case PRERELEASES -> "dev and pre-release versions beyond the newest " + this.keepNewest
					+ " are removed once older than " + this.maxAgeDays + " days; final releases stay";
		};
	}

	/** The versions a policy may delete, as {@code applies-to} spells them. */
	public enum AppliesTo {

		/**
		 * Dev releases and pre-releases (PEP 440 {@code .devN}, {@code aN}, {@code bN},
		 * {@code rcN}).
		 */
		PRERELEASES,

		/** Every version, final releases included. */
		ALL,

		/** None: retention is off for the project. */
		NONE;

		/** The config's spelling. */
		public String key() {
			return name().toLowerCase(Locale.ROOT);
		}

		/** The value for a config spelling, if it is one. */
		public static Optional<AppliesTo> of(String key) {
			return Arrays.stream(values()).filter((value) -> value.key().equals(key)).findFirst();
		}

	}

}
