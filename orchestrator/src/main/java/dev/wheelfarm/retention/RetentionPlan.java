package dev.wheelfarm.retention;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * What a policy decides for each hosted version at one moment: the job removes
 * {@link #removals()}, the project page shows them and {@link #upcoming()}.
 *
 * @param at the moment the plan is for
 * @param entries one per hosted version, newest first (versions that do not parse as PEP
 * 440 last)
 */
public record RetentionPlan(Instant at, List<Entry> entries) {

	public RetentionPlan {
		entries = List.copyOf(entries);
	}

	/** The versions that go at {@link #at()}. */
	public List<Entry> removals() {
		return this.entries.stream().filter((entry) -> entry.verdict() == Verdict.REMOVE).toList();
	}

	/** The versions kept only because they are young, soonest eligible first. */
	public List<Entry> upcoming() {
		return this.entries.stream()
			.filter((entry) -> entry.verdict() == Verdict.KEEP_YOUNG)
			.sorted(Comparator.comparing(Entry::eligibleAt))
			.toList();
	}

	/** Why a version goes or stays. */
	public enum Verdict {

		/** Beyond the newest N and older than the maximum age: removed. */
		REMOVE,

		/** Among the newest N versions the policy applies to: kept whatever its age. */
		KEEP_NEWEST,

		/** Beyond the newest N but not old enough yet: removed once eligible. */
		KEEP_YOUNG,

		/** A version the policy does not apply to (by default, a final release). */
		KEEP_NOT_COVERED,

		/**
		 * Not a PEP 440 version: without an order, "newest" means nothing, so it stays.
		 */
		KEEP_NOT_PEP440;

		/** The verdict in words, for the project page. */
		public String describe() {
			return switch (this) {
				case REMOVE -> "removed at the next run";
				case KEEP_NEWEST -> "kept: among the newest";
				case KEEP_YOUNG -> "kept until it is old enough";
				case KEEP_NOT_COVERED -> "kept: the policy does not apply to it";
				case KEEP_NOT_PEP440 -> "kept: not a PEP 440 version";
			};
		}

	}

	/**
	 * One version's fate.
	 *
	 * @param version the version as its rows spell it
	 * @param storedAt when its newest file was stored
	 * @param verdict why it goes or stays
	 * @param eligibleAt when it becomes old enough to go, for versions the age rule
	 * decides ({@code REMOVE} and {@code KEEP_YOUNG}); null otherwise
	 */
	public record Entry(String version, Instant storedAt, Verdict verdict, Instant eligibleAt) {

	}

}
