package dev.wheelfarm.status;

import java.util.List;
import java.util.Optional;

import dev.wheelfarm.builds.Build;
import dev.wheelfarm.builds.BuildEnvironments;
import dev.wheelfarm.builds.BuildEvent;
import dev.wheelfarm.builds.BuildLedger;
import dev.wheelfarm.dispatch.BuildPlan;
import dev.wheelfarm.dispatch.local.LocalEngine;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * What the status pages and the JSON API show, read straight from the ledger, the PyPI
 * rows and the stored wheels.
 */
@Repository
class StatusQueries {

	private static final String WHEELS_OF_BUILD = """
			SELECT filename, sha256, size, withdrawn_reason, removed_reason FROM wheel WHERE build_id = :build
			ORDER BY filename
			""";

	private static final String PROJECT = """
			SELECT p.name, p.display_name, p.optin_state, p.optin_reason, r.url AS repository, r.config_error
			FROM project p LEFT JOIN repository r ON r.id = p.repository_id
			WHERE p.name = :name
			""";

	// One row per release: what PyPI has, and the newest build of it, if any.
	private static final String RELEASES = """
			SELECT r.version, r.yanked, r.deleted_at IS NOT NULL AS deleted,
			       count(f.id) FILTER (WHERE f.kind = 'sdist' AND f.deleted_at IS NULL) AS sdists,
			       count(f.id) FILTER (WHERE f.kind = 'wheel' AND f.deleted_at IS NULL) AS pypi_wheels,
			       b.id AS build_id, b.state AS build_state, b.failure_class, b.reason,
			       (SELECT count(*) FROM wheel w WHERE w.project_id = r.project_id AND w.version = r.version
			                                       AND w.withdrawn_at IS NULL AND w.removed_at IS NULL) AS farm_wheels
			FROM release r
			LEFT JOIN pypi_file f ON f.release_id = r.id
			LEFT JOIN LATERAL (SELECT id, state, failure_class, reason FROM build
			                   WHERE project_id = r.project_id AND version = r.version
			                   ORDER BY id DESC LIMIT 1) b ON true
			WHERE r.project_id = (SELECT id FROM project WHERE name = :name)
			GROUP BY r.id, b.id, b.state, b.failure_class, b.reason
			ORDER BY r.first_seen_at DESC, r.id DESC
			LIMIT 500
			""";

	// Every file the index lists for the project (index.IndexRepository's FARM_WHEELS and
	// PYPI_FILES, without a stage's view): the farm's own, then PyPI's.
	private static final String FILES = """
			SELECT w.version, w.filename, w.origin AS source, w.kind, w.sha256, w.size, w.stored_at AS upload_time,
			       w.requires_python, coalesce(r.yanked, false) AS yanked, r.yanked_reason, w.build_id,
			       (r.id IS NOT NULL) AS released
			FROM wheel w
			JOIN project p ON p.id = w.project_id
			LEFT JOIN release r ON r.project_id = w.project_id AND r.version = w.version AND r.deleted_at IS NULL
			WHERE p.name = :name AND w.withdrawn_at IS NULL AND w.removed_at IS NULL AND w.stage_id IS NULL
			UNION ALL
			SELECT r.version, f.filename, 'pypi', f.kind, f.sha256, f.size, f.upload_time, f.requires_python,
			       (f.yanked OR r.yanked), CASE WHEN f.yanked THEN f.yanked_reason ELSE r.yanked_reason END, NULL, true
			FROM pypi_file f
			JOIN release r ON r.id = f.release_id
			JOIN project p ON p.id = r.project_id
			WHERE p.name = :name AND f.deleted_at IS NULL AND r.deleted_at IS NULL
			ORDER BY 1, 3, 2
			""";

	// The builds of one project, newest first: the project page's build history.
	private static final String HISTORY = """
			SELECT b.id, b.version, b.state, b.failure_class, b.failure_kind, b.next_attempt_at, b.updated_at
			FROM build b JOIN project p ON p.id = b.project_id
			WHERE p.name = :name
			ORDER BY b.id DESC
			LIMIT 50
			""";

	private static final String TOTALS = """
			SELECT (SELECT count(*) FROM project WHERE optin_state = 'OPTED_IN') AS projects,
			       (SELECT count(*) FROM wheel WHERE withdrawn_at IS NULL AND removed_at IS NULL) AS wheels,
			       (SELECT count(*) FROM build WHERE created_at >= date_trunc('day', now())) AS builds_today,
			       (SELECT count(*) FROM build WHERE state = 'FAILED') AS failures,
			       (SELECT count(*) FROM build WHERE state IN ('PENDING', 'DISPATCHED', 'RUNNING')) AS queued
			""";

	private final JdbcClient jdbc;

	private final BuildLedger ledger;

	private final ObjectProvider<LocalEngine> localEngine;

	private final BuildEnvironments environments;

	StatusQueries(JdbcClient jdbc, BuildLedger ledger, ObjectProvider<LocalEngine> localEngine,
			BuildEnvironments environments) {
		this.jdbc = jdbc;
		this.ledger = ledger;
		this.localEngine = localEngine;
		this.environments = environments;
	}

	Optional<BuildView> build(long id) {
		return this.ledger.find(id)
			.map((build) -> new BuildView(build, this.ledger.timeline(id),
					this.jdbc.sql(WHEELS_OF_BUILD).param("build", id).query(WheelView.class).list(),
					BuildPlan.of(build.options(), build.builder(), noCibuildwheelHere(build)),
					this.environments.of(id)));
	}

	/**
	 * Why a local build ran without cibuildwheel, as this farm's local builder answers
	 * it; null for other builds, and when this farm no longer runs the local builder
	 * (nothing here can say what that one had).
	 */
	private String noCibuildwheelHere(Build build) {
		if (!"local".equals(build.builder())) {
			return null;
		}
		LocalEngine engine = this.localEngine.getIfAvailable();
		return (engine != null) ? engine.cibuildwheelUnavailable().orElse(null) : null;
	}

	Optional<ProjectView> project(String name) {
		return this.jdbc.sql(PROJECT)
			.param("name", name)
			.query(ProjectRow.class)
			.optional()
			.map((row) -> new ProjectView(row,
					this.jdbc.sql(RELEASES).param("name", name).query(ReleaseView.class).list()));
	}

	List<FileRow> files(String name) {
		return this.jdbc.sql(FILES).param("name", name).query(FileRow.class).list();
	}

	List<HistoryRow> history(String name) {
		return this.jdbc.sql(HISTORY).param("name", name).query(HistoryRow.class).list();
	}

	Totals totals() {
		return this.jdbc.sql(TOTALS).query(Totals.class).single();
	}

	/** A build with its timeline, wheels and the plan of the options it was sent. */
	public record BuildView(Build build, List<BuildEvent> timeline, List<WheelView> wheels, BuildPlan plan,
			List<BuildEnvironments.Dependency> buildEnvironment) {

		/** Whether the page can stop refreshing itself. */
		public boolean ended() {
			return this.build.state().isEnded();
		}

	}

	public record WheelView(String filename, String sha256, long size, String withdrawnReason, String removedReason) {

	}

	public record ProjectRow(String name, String displayName, String optinState, String optinReason, String repository,
			String configError) {

	}

	public record ProjectView(ProjectRow project, List<ReleaseView> releases) {

		/**
		 * Whether the index serves the project, by the index's rule: opted in, or farm
		 * wheels to keep serving (docs/index.md, "Hosted projects").
		 */
		public boolean hosted() {
			return "OPTED_IN".equals(this.project.optinState())
					|| this.releases.stream().anyMatch((release) -> release.farmWheels() > 0);
		}

	}

	/** One release and what became of it. */
	public record ReleaseView(String version, boolean yanked, boolean deleted, long sdists, long pypiWheels,
			Long buildId, String buildState, String failureClass, String reason, long farmWheels) {

		/**
		 * The outcome as a code, one per case of {@link #outcome()}: {@code deleted},
		 * {@code superseded}, {@code upstream-wheels}, {@code built}, {@code no-sdist},
		 * {@code not-built}, {@code failed}, {@code skipped}, {@code cancelled},
		 * {@code building}.
		 */
		public String outcomeCode() {
			if (this.deleted) {
				return "deleted";
			}
			if (this.pypiWheels > 0 && this.farmWheels == 0) {
				return (this.buildId != null) ? "superseded" : "upstream-wheels";
			}
			if (this.farmWheels > 0) {
				return "built";
			}
			if (this.buildId == null) {
				return (this.sdists == 0) ? "no-sdist" : "not-built";
			}
			return switch (this.buildState) {
				case "FAILED" -> "failed";
				case "SKIPPED" -> "skipped";
				case "CANCELLED" -> "cancelled";
				case "SUCCEEDED", "PUBLISHED" -> "built";
				default -> "building";
			};
		}

		/** The outcome in a word, as the project page shows it. */
		public String outcome() {
			return switch (outcomeCode()) {
				case "deleted" -> "deleted on PyPI";
				case "superseded" -> "superseded by upstream wheels";
				case "upstream-wheels" -> "has wheels on PyPI";
				case "built" -> this.yanked ? "built (yanked on PyPI)" : "built";
				case "no-sdist" -> "no sdist";
				case "not-built" -> "not built";
				case "failed" -> "failed: " + StateWords.failure(this.failureClass);
				default -> StateWords.brief(dev.wheelfarm.builds.BuildState.valueOf(this.buildState));
			};
		}

	}

	/**
	 * A file the index lists: {@code source} is {@code build} (the farm built it),
	 * {@code upload} (the project uploaded it) or {@code pypi}; {@code released} says
	 * whether its version is a PyPI release (an upload of another version is a nightly).
	 */
	public record FileRow(String version, String filename, String source, String kind, String sha256, long size,
			java.time.Instant uploadTime, String requiresPython, boolean yanked, String yankedReason, Long buildId,
			boolean released) {

		public String sourceWords() {
			return switch (this.source) {
				case "build" -> "built by the farm";
				case "upload" -> "uploaded by the project";
				default -> "PyPI";
			};
		}

		/** The size as a person reads it (SI units, as PyPI shows them). */
		public String sizeWords() {
			if (this.size < 1000) {
				return this.size + " B";
			}
			String[] units = { "kB", "MB", "GB" };
			double value = this.size;
			int unit = -1;
			while (value >= 1000 && unit < units.length - 1) {
				value /= 1000;
				unit++;
			}
			return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
		}

		public TagWords.Described tags() {
			return TagWords.describe(this.filename);
		}

		/**
		 * Where the file's record is (another feature's {@code /api/files/{filename}}).
		 */
		public boolean farmFile() {
			return !"pypi".equals(this.source);
		}

	}

	/** One build in a project's history. */
	public record HistoryRow(long id, String version, dev.wheelfarm.builds.BuildState state, String failureClass,
			String failureKind, java.time.Instant nextAttemptAt, java.time.Instant updatedAt) {

		public String stateWords() {
			return StateWords.build(this.state, this.failureClass, this.failureKind, this.nextAttemptAt);
		}

	}

	public record Totals(long projects, long wheels, long buildsToday, long failures, long queued) {

	}

}
