package dev.wheelfarm.retention;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * What the project page says about retention: the policy in force, what the last run
 * removed, and what the next runs will remove and when.
 *
 * @param policy the policy in force
 * @param fromConfig whether it comes from the maintainer's config (else the farm's
 * default)
 * @param jobEnabled whether the retention job runs at all on this farm
 * @param nextRunAt when the next run is due (null when the job is off)
 * @param lastRun the last run, if any ran
 * @param removedByLastRun this project's files the last run removed
 * @param plan the plan for {@code nextRunAt} (for now when the job is off): its removals
 * go at that run, its upcoming versions at the first run after their eligibility
 */
public record ProjectRetention(RetentionPolicy policy, boolean fromConfig, boolean jobEnabled, Instant nextRunAt,
		Run lastRun, List<RemovedFile> removedByLastRun, RetentionPlan plan) {

	private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
		.withZone(ZoneOffset.UTC);

	public ProjectRetention {
		removedByLastRun = List.copyOf(removedByLastRun);
	}

	/**
	 * What goes next and when: the versions due at the next run, then those protected
	 * only by their age, soonest first. Empty when the job is off.
	 */
	public List<NextRemoval> nextRemovals() {
		if (!this.jobEnabled) {
			return List.of();
		}
		List<NextRemoval> next = new ArrayList<>();
		for (RetentionPlan.Entry entry : this.plan.removals()) {
			next.add(new NextRemoval(entry.version(), this.nextRunAt, true, "beyond the newest "
					+ this.policy.keepNewest() + " and older than " + this.policy.maxAgeDays() + " days"));
		}
		for (RetentionPlan.Entry entry : this.plan.upcoming()) {
			next.add(new NextRemoval(entry.version(), entry.eligibleAt(), false, "beyond the newest "
					+ this.policy.keepNewest() + "; " + this.policy.maxAgeDays() + " days old then"));
		}
		return next;
	}

	/** When the next run is due, as the page shows it. */
	public String nextRunText() {
		return (this.nextRunAt != null) ? WHEN.format(this.nextRunAt) : "never (the retention job is off)";
	}

	/** When the last run started, as the page shows it. */
	public String lastRunText() {
		return (this.lastRun != null) ? WHEN.format(this.lastRun.startedAt()) : "never";
	}

	/**
	 * A version that will be removed.
	 *
	 * @param version the version
	 * @param at when: the next run for versions already due, else the moment it becomes
	 * old enough (the first run after it removes it)
	 * @param atNextRun whether it goes at the next run
	 * @param why the rule that removes it
	 */
	public record NextRemoval(String version, Instant at, boolean atNextRun, String why) {

		/** When, as the page shows it. */
		public String when() {
			return this.atNextRun ? "at the next run, " + WHEN.format(this.at)
					: "at the first run after " + WHEN.format(this.at);
		}

	}

	/**
	 * One run of the job.
	 *
	 * @param id the run
	 * @param startedAt when it started
	 * @param finishedAt when it ended; null while it runs, or when the process died
	 * during it
	 * @param projects how many projects it planned for
	 * @param filesRemoved how many files it removed
	 * @param blobsDeleted how many stored blobs it deleted
	 * @param failures how many projects it could not handle (retried at the next run)
	 */
	public record Run(long id, OffsetDateTime startedAt, OffsetDateTime finishedAt, int projects, int filesRemoved,
			long blobsDeleted, int failures) {

	}

	/**
	 * A file a run removed.
	 *
	 * @param filename the file; the name stays reserved
	 * @param version its version
	 * @param removedAt when
	 * @param removedReason why
	 */
	public record RemovedFile(String filename, String version, OffsetDateTime removedAt, String removedReason) {

	}

}
