package dev.wheelfarm.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.wheelfarm.shared.Version;

/**
 * The retention rule as one pure function: policy, hosted versions and a moment in, a
 * plan out. The job applies the plan for "now" and the project page shows the plan for
 * the next run, so the page can never disagree with the job.
 * <p>
 * Versions are ordered by PEP 440, not by upload time or as strings: {@code 1.10.dev1} is
 * newer than {@code 1.9.dev3}. Spellings that PEP 440 holds equal ({@code 1.0.dev1},
 * {@code 1.0.0.dev1}) are one version: they count once and share one verdict.
 */
public final class RetentionPlanner {

	private RetentionPlanner() {
	}

	public static RetentionPlan plan(RetentionPolicy policy, List<HostedVersion> versions, Instant at) {
		Map<Version, List<HostedVersion>> covered = new TreeMap<>(Comparator.reverseOrder());
		Map<Version, List<HostedVersion>> uncovered = new TreeMap<>(Comparator.reverseOrder());
		List<HostedVersion> unparsable = new ArrayList<>();
		for (HostedVersion hosted : versions) {
			Optional<Version> parsed = Version.tryParse(hosted.version());
			if (parsed.isEmpty()) {
				unparsable.add(hosted);
				continue;
			}
			Map<Version, List<HostedVersion>> group = policy.covers(parsed.get()) ? covered : uncovered;
			group.computeIfAbsent(parsed.get(), (key) -> new ArrayList<>()).add(hosted);
		}
		Duration maxAge = Duration.ofDays(policy.maxAgeDays());
		TreeMap<Version, List<RetentionPlan.Entry>> decided = new TreeMap<>(Comparator.reverseOrder());
		int rank = 0;
		for (Map.Entry<Version, List<HostedVersion>> group : covered.entrySet()) {
			rank++;
			Instant newest = group.getValue()
				.stream()
				.map(HostedVersion::storedAt)
				.max(Comparator.naturalOrder())
				.orElseThrow();
			RetentionPlan.Verdict verdict;
			Instant eligibleAt = null;
			if (rank <= policy.keepNewest()) {
				verdict = RetentionPlan.Verdict.KEEP_NEWEST;
			}
			else {
				// "Older than M days": strictly, so a version exactly M days old stays
				// one more run.
				eligibleAt = newest.plus(maxAge);
				verdict = eligibleAt.isBefore(at) ? RetentionPlan.Verdict.REMOVE : RetentionPlan.Verdict.KEEP_YOUNG;
			}
			decided.put(group.getKey(), entries(group.getValue(), newest, verdict, eligibleAt));
		}
		for (Map.Entry<Version, List<HostedVersion>> group : uncovered.entrySet()) {
			decided.put(group.getKey(),
					group.getValue()
						.stream()
						.map((hosted) -> new RetentionPlan.Entry(hosted.version(), hosted.storedAt(),
								RetentionPlan.Verdict.KEEP_NOT_COVERED, null))
						.toList());
		}
		List<RetentionPlan.Entry> entries = new ArrayList<>();
		decided.values().forEach(entries::addAll);
		unparsable.stream()
			.sorted(Comparator.comparing(HostedVersion::version))
			.forEach((hosted) -> entries.add(new RetentionPlan.Entry(hosted.version(), hosted.storedAt(),
					RetentionPlan.Verdict.KEEP_NOT_PEP440, null)));
		return new RetentionPlan(at, entries);
	}

	private static List<RetentionPlan.Entry> entries(List<HostedVersion> spellings, Instant newest,
			RetentionPlan.Verdict verdict, Instant eligibleAt) {
		return spellings.stream()
			.sorted(Comparator.comparing(HostedVersion::version))
			.map((hosted) -> new RetentionPlan.Entry(hosted.version(), newest, verdict, eligibleAt))
			.toList();
	}

}
