package dev.wheelfarm.pypi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark, not a timed test: 10,000 opted-in projects on the stand-in, 50
 * changed between two cycles; the watcher's incremental cycle against the naive one that
 * reads every project. Not part of {@code mvn verify} (the class name does not end in
 * Test); run it with
 * {@code mvn -B -pl orchestrator -am test -Dtest=PypiWatchBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * It prints a Markdown table and writes it to
 * {@code orchestrator/target/benchmark-pypi-watch.md}.
 */
class PypiWatchBenchmark {

	private static final int PROJECTS = Integer.getInteger("bench.projects", 10_000);

	private static final int CHANGED = 50;

	private static final int ROUNDS = 3;

	private record Measure(String strategy, int requests, double seconds, int read, int changes) {

	}

	@Test
	void incrementalAgainstNaive() throws IOException {
		try (WatchHarness farm = new WatchHarness()) {
			for (int i = 0; i < PROJECTS; i++) {
				farm.pypi.project(name(i)).withWheel("1.0");
			}
			long repository = farm.jdbc.sql("SELECT id FROM repository").query(Long.class).single();
			farm.jdbc.sql("""
					INSERT INTO project (name, display_name, repository_id, optin_state)
					SELECT 'bench-' || lpad(i::text, 5, '0'), 'bench-' || lpad(i::text, 5, '0'), :repo, 'OPTED_IN'
					FROM generate_series(0, :n - 1) AS i
					""").param("repo", repository).param("n", PROJECTS).update();

			Measure initial = measure(farm, "initial sync (every project read once)",
					() -> farm.watcher.watch(PypiWatcher.Mode.INCREMENTAL));
			Measure quiet = measure(farm, "incremental, nothing changed",
					() -> farm.watcher.watch(PypiWatcher.Mode.INCREMENTAL));
			List<Measure> incremental = new ArrayList<>();
			List<Measure> naive = new ArrayList<>();
			int next = 0;
			for (int round = 0; round < ROUNDS; round++) {
				next = change(farm, next);
				incremental.add(measure(farm, "incremental (root listing + changed projects)",
						() -> farm.watcher.watch(PypiWatcher.Mode.INCREMENTAL)));
				next = change(farm, next);
				naive.add(measure(farm, "naive (read every project)", () -> farm.watcher.watch(PypiWatcher.Mode.FULL)));
			}
			Measure inc = median(incremental);
			Measure nai = median(naive);

			StringBuilder table = new StringBuilder();
			table.append(String.format(Locale.ROOT,
					"%d opted-in projects, %d changed between cycles; median of %d rounds%n%n", PROJECTS, CHANGED,
					ROUNDS));
			table.append("| strategy | requests/cycle | seconds/cycle | projects read | changes |\n");
			table.append("|---|---:|---:|---:|---:|\n");
			for (Measure m : List.of(inc, nai, quiet, initial)) {
				table.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %d | %d |%n", m.strategy(), m.requests(),
						m.seconds(), m.read(), m.changes()));
			}
			table.append(String.format(Locale.ROOT, "%nnaive / incremental: %.0fx the requests, %.0fx the time%n",
					(double) nai.requests() / inc.requests(), nai.seconds() / inc.seconds()));
			System.out.println(table);
			Files.writeString(Path.of("target/benchmark-pypi-watch.md"), table);

			assertThat(inc.requests()).as("changed projects + a small constant").isLessThanOrEqualTo(CHANGED + 2);
			assertThat(inc.changes()).isEqualTo(CHANGED);
			assertThat(inc.seconds()).isLessThan(5.0);
		}
	}

	private static String name(int i) {
		return String.format(Locale.ROOT, "bench-%05d", i);
	}

	// Each changed project gains an sdist-only release, i.e. one build candidate each.
	private static int change(WatchHarness farm, int from) {
		for (int i = 0; i < CHANGED; i++) {
			int index = (from + i * 197) % PROJECTS;
			farm.pypi.project(name(index)).sdistOnly("2." + from + "." + i);
		}
		return from + 1;
	}

	private static Measure measure(WatchHarness farm, String strategy, Supplier<PypiWatcher.CycleReport> cycle) {
		farm.pypi.resetCounters();
		long started = System.nanoTime();
		PypiWatcher.CycleReport report = cycle.get();
		double seconds = (System.nanoTime() - started) / 1e9;
		return new Measure(strategy, farm.pypi.requestCount(), seconds, report.read(), report.changes().size());
	}

	private static Measure median(List<Measure> measures) {
		List<Measure> sorted = new ArrayList<>(measures);
		sorted.sort(java.util.Comparator.comparingDouble(Measure::seconds));
		return sorted.get(sorted.size() / 2);
	}

}
