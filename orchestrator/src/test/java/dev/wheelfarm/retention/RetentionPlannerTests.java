package dev.wheelfarm.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import dev.wheelfarm.retention.RetentionPlan.Verdict;
import dev.wheelfarm.retention.RetentionPolicy.AppliesTo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retention rule of the issue as a table: "keep the newest N versions always, and
 * delete versions older than M days beyond those N", for the versions the policy applies
 * to (dev and pre-releases by default). Each row is a history, a policy and what must go
 * and what must wait.
 */
class RetentionPlannerTests {

	static final Instant NOW = Instant.parse("2026-12-01T03:00:00Z");

	static Stream<Arguments> table() {
		return Stream.of(
				// A project idle for 90 days: everything is old, yet its newest 5 stay.
				row("idle 90 days keeps its newest 5", RetentionPolicy.DEFAULT, nightlies(20, 90),
						Set.of(nightly(90 + 5), nightly(90 + 6), nightly(90 + 7), nightly(90 + 8), nightly(90 + 9),
								nightly(90 + 10), nightly(90 + 11), nightly(90 + 12), nightly(90 + 13),
								nightly(90 + 14), nightly(90 + 15), nightly(90 + 16), nightly(90 + 17),
								nightly(90 + 18), nightly(90 + 19)),
						Set.of()),
				// A daily publisher: days 0-4 are the newest 5; days 5-30 are not older
				// than 30 days yet (day 30 is exactly 30 days old, not older); 31+ go.
				row("active nightly: newest 5, then the 30-day rule", RetentionPolicy.DEFAULT, nightlies(35, 0),
						Set.of(nightly(31), nightly(32), nightly(33), nightly(34)), daysRange(5, 30)),
				row("fewer versions than N: nothing goes however old", RetentionPolicy.DEFAULT, nightlies(3, 400),
						Set.of(), Set.of()),
				row("final releases are never removed by default", RetentionPolicy.DEFAULT,
						List.of(v("1.0", 900), v("1.1", 800), v("1.2", 700), v("1.3", 600), v("1.4", 500),
								v("1.5", 400), v("1.6.post1", 300), v("2.0rc1", 200), v("2.0b1", 210), v("2.0a1", 220),
								v("2.0.dev3", 230), v("2.0.dev2", 240), v("2.0.dev1", 250)),
						// dev < a < b < rc: the newest 5 are rc1, b1, a1, dev3, dev2
						Set.of("2.0.dev1"), Set.of()),
				row("applies-to = all removes old finals too", new RetentionPolicy(AppliesTo.ALL, 2, 30),
						List.of(v("1.0", 900), v("1.1", 800), v("1.2", 700), v("1.2.post1", 10), v("2.0rc1", 40)),
						// newest: 2.0rc1, 1.2.post1; the rest is older than 30 days
						Set.of("1.0", "1.1", "1.2"), Set.of()),
				row("applies-to = none keeps everything", new RetentionPolicy(AppliesTo.NONE, 1, 1), nightlies(10, 100),
						Set.of(), Set.of()),
				row("PEP 440 order, not string order: 1.10 is newer than 1.9",
						new RetentionPolicy(AppliesTo.PRERELEASES, 1, 1),
						List.of(v("1.9.dev0", 50), v("1.10.dev0", 50), v("1.2.dev0", 50)),
						Set.of("1.9.dev0", "1.2.dev0"), Set.of()),
				row("version order, not upload order: an old upload of the newest version stays",
						new RetentionPolicy(AppliesTo.PRERELEASES, 1, 30),
						List.of(v("3.0.dev1", 100), v("2.0.dev1", 1)), Set.of(), Set.of("2.0.dev1")),
				row("equal versions spelled twice count once and share the newest file's age",
						new RetentionPolicy(AppliesTo.PRERELEASES, 1, 30),
						List.of(v("2.0.dev1", 60), v("1.0.dev1", 60), v("1.0.0.dev1", 5)), Set.of(),
						Set.of("1.0.dev1", "1.0.0.dev1")),
				row("equal ages: the order is the version's", new RetentionPolicy(AppliesTo.PRERELEASES, 2, 30),
						List.of(v("1.0.dev3", 45), v("1.0.dev1", 45), v("1.0.dev2", 45)), Set.of("1.0.dev1"), Set.of()),
				row("non-PEP 440 versions are never removed and do not count toward N",
						new RetentionPolicy(AppliesTo.ALL, 1, 30),
						List.of(v("nightly-2020", 2000), v("latest", 2000), v("0.1.dev1", 100), v("0.2.dev1", 100)),
						Set.of("0.1.dev1"), Set.of()),
				row("dev releases of post releases are dev releases", RetentionPolicy.DEFAULT,
						List.of(v("1.0.post1.dev1", 100), v("1.0.post1", 100), v("3.0a1", 1), v("3.0a2", 1),
								v("3.0a3", 1), v("3.0a4", 1), v("3.0a5", 1)),
						Set.of("1.0.post1.dev1"), Set.of()));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("table")
	void plan(String name, RetentionPolicy policy, List<HostedVersion> history, Set<String> removed,
			Set<String> young) {
		RetentionPlan plan = RetentionPlanner.plan(policy, history, NOW);
		assertThat(plan.removals()).extracting(RetentionPlan.Entry::version)
			.containsExactlyInAnyOrderElementsOf(removed);
		assertThat(plan.upcoming()).extracting(RetentionPlan.Entry::version).containsExactlyInAnyOrderElementsOf(young);
		assertThat(plan.entries()).extracting(RetentionPlan.Entry::version)
			.containsExactlyInAnyOrderElementsOf(history.stream().map(HostedVersion::version).toList());
	}

	@Test
	void theNewestNOfAnIdleProjectStayForeverWhateverTheClockSays() {
		List<HostedVersion> history = nightlies(20, 90);
		for (Instant at : List.of(NOW, NOW.plus(Duration.ofDays(365)), NOW.plus(Duration.ofDays(3650)))) {
			assertThat(RetentionPlanner.plan(RetentionPolicy.DEFAULT, history, at).entries())
				.filteredOn((entry) -> entry.verdict() == Verdict.KEEP_NEWEST)
				.extracting(RetentionPlan.Entry::version)
				.containsExactly(nightly(90), nightly(91), nightly(92), nightly(93), nightly(94));
		}
	}

	@Test
	void aYoungVersionBecomesEligibleMaxAgeDaysAfterItsNewestFile() {
		RetentionPlan plan = RetentionPlanner.plan(new RetentionPolicy(AppliesTo.PRERELEASES, 1, 30),
				List.of(v("1.0.dev2", 0), v("1.0.dev1", 10)), NOW);
		assertThat(plan.upcoming()).singleElement().satisfies((entry) -> {
			assertThat(entry.version()).isEqualTo("1.0.dev1");
			assertThat(entry.eligibleAt()).isEqualTo(NOW.minus(Duration.ofDays(10)).plus(Duration.ofDays(30)));
		});
		// The next run after that moment removes it; one just before does not.
		Instant eligible = plan.upcoming().get(0).eligibleAt();
		assertThat(RetentionPlanner
			.plan(new RetentionPolicy(AppliesTo.PRERELEASES, 1, 30), List.of(v("1.0.dev2", 0), v("1.0.dev1", 10)),
					eligible.plusSeconds(1))
			.removals()).extracting(RetentionPlan.Entry::version).containsExactly("1.0.dev1");
		assertThat(RetentionPlanner
			.plan(new RetentionPolicy(AppliesTo.PRERELEASES, 1, 30), List.of(v("1.0.dev2", 0), v("1.0.dev1", 10)),
					eligible.minusSeconds(1))
			.removals()).isEmpty();
	}

	@Test
	void entriesAreNewestFirstWithUnparsableVersionsLast() {
		RetentionPlan plan = RetentionPlanner.plan(RetentionPolicy.DEFAULT,
				List.of(v("1.0", 1), v("weird", 1), v("2.0.dev1", 1), v("1.5", 1)), NOW);
		assertThat(plan.entries()).extracting(RetentionPlan.Entry::version)
			.containsExactly("2.0.dev1", "1.5", "1.0", "weird");
		assertThat(plan.entries()).extracting(RetentionPlan.Entry::verdict)
			.containsExactly(Verdict.KEEP_NEWEST, Verdict.KEEP_NOT_COVERED, Verdict.KEEP_NOT_COVERED,
					Verdict.KEEP_NOT_PEP440);
	}

	private static Arguments row(String name, RetentionPolicy policy, List<HostedVersion> history, Set<String> removed,
			Set<String> young) {
		return Arguments.of(name, policy, history, removed, young);
	}

	/** {@code count} daily nightlies, the newest published {@code idleDays} ago. */
	private static List<HostedVersion> nightlies(int count, int idleDays) {
		List<HostedVersion> history = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			history.add(v(nightly(idleDays + i), idleDays + i));
		}
		return history;
	}

	/**
	 * The nightly published {@code daysAgo} days before NOW: newer days, higher dev
	 * numbers.
	 */
	private static String nightly(int daysAgo) {
		return "2.0.dev" + (100_000 - daysAgo);
	}

	private static Set<String> daysRange(int fromDaysAgo, int toDaysAgo) {
		Set<String> versions = new java.util.HashSet<>();
		for (int day = fromDaysAgo; day <= toDaysAgo; day++) {
			versions.add(nightly(day));
		}
		return versions;
	}

	private static HostedVersion v(String version, int daysAgo) {
		return new HostedVersion(version, NOW.minus(Duration.ofDays(daysAgo)));
	}

}
