package dev.wheelfarm.status;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import dev.wheelfarm.builds.Build;
import dev.wheelfarm.builds.BuildEnvironments;
import dev.wheelfarm.builds.BuildEvent;
import dev.wheelfarm.builds.BuildState;
import dev.wheelfarm.builds.RebuildRequester;
import dev.wheelfarm.dispatch.BuildPlan;
import dev.wheelfarm.retention.ProjectRetention;
import dev.wheelfarm.retention.RetentionPolicy;
import dev.wheelfarm.web.ApiJson;
import dev.wheelfarm.web.Coded;

/**
 * The documents of {@code /api/builds} and {@code /api/projects} (docs/api.md): what the
 * status pages show, with a machine code beside each piece of text.
 */
final class StatusDocuments {

	private StatusDocuments() {
	}

	static String code(String constant) {
		return Coded.code(constant);
	}

	static Instant instant(OffsetDateTime time) {
		return (time != null) ? time.toInstant() : null;
	}

	/**
	 * {@code GET /api/builds/{id}}.
	 *
	 * @param id the build
	 * @param project the normalized project name
	 * @param version the release
	 * @param state where the build stands
	 * @param sdist what it builds from
	 * @param attempts how many times a builder took it
	 * @param builder the engine it was sent to ({@code local}, {@code github}), null
	 * before
	 * @param runUrl the engine's run, if it has a page
	 * @param strategy how the wheels were made ({@code build}, {@code cibuildwheel}),
	 * null until built
	 * @param failure why it failed, null unless it did
	 * @param createdAt when it entered the ledger
	 * @param updatedAt when its state last changed
	 * @param nextAttemptAt the earliest time a builder may take it again (a waiting or
	 * transiently failed build), else null
	 * @param plan what its options ask of the builder
	 * @param buildEnvironment what the build's isolated environment installed from the
	 * package index, empty for a build without one
	 * @param timeline every state change, oldest first
	 * @param wheels the wheels it made
	 */
	@ApiJson
	record BuildDocument(long id, String project, String version, Coded state, Sdist sdist, int attempts,
			String builder, String runUrl, String strategy, Failure failure, Instant createdAt, Instant updatedAt,
			Instant nextAttemptAt, BuildPlan plan, List<BuildDependency> buildEnvironment, List<Step> timeline,
			List<Wheel> wheels) {

		static BuildDocument of(StatusQueries.BuildView view) {
			Build build = view.build();
			return new BuildDocument(build.id(), build.project(), build.version(), stateOf(build),
					new Sdist(build.sdistFilename(), build.sdistSha256(), build.sdistUrl()), build.attempts(),
					build.builder(), build.externalRunUrl(), build.strategy(), Failure.of(build), build.createdAt(),
					build.updatedAt(), build.state().isEnded() ? null : build.nextAttemptAt(), view.plan(),
					view.buildEnvironment().stream().map(BuildDependency::of).toList(),
					view.timeline().stream().map(Step::of).toList(), view.wheels().stream().map(Wheel::of).toList());
		}

	}

	/**
	 * One file the build's isolated environment installed from the package index.
	 *
	 * @param name the normalized project name
	 * @param version its version, null when the filename does not say
	 * @param filename the file's name
	 * @param sha256 the hash of the bytes the build received
	 * @param size their number
	 */
	@ApiJson
	record BuildDependency(String name, String version, String filename, String sha256, long size) {

		static BuildDependency of(BuildEnvironments.Dependency dependency) {
			return new BuildDependency(dependency.name(), dependency.version(), dependency.filename(),
					dependency.sha256(), dependency.size());
		}

	}

	/** The build's state: its code, and the words every page uses. */
	static Coded stateOf(Build build) {
		return new Coded(code(build.state().name()), StateWords.build(build.state(), build.failureClass(),
				(build.failureKind() != null) ? code(build.failureKind().name()) : null, build.nextAttemptAt()));
	}

	/**
	 * @param filename the sdist's filename
	 * @param sha256 its expected digest
	 * @param url where it is downloaded from
	 */
	@ApiJson
	record Sdist(String filename, String sha256, String url) {

	}

	/**
	 * @param failureClass the failure class's code (docs/maintainers.md lists them)
	 * @param kind {@code permanent} or {@code transient}
	 * @param message what the ledger recorded
	 * @param logExcerpt the log around the failure, null when there was none
	 */
	@ApiJson
	record Failure(String failureClass, String kind, String message, String logExcerpt) {

		static Failure of(Build build) {
			if (build.state() != BuildState.FAILED && build.failureClass() == null) {
				return null;
			}
			return new Failure(build.failureClass(),
					(build.failureKind() != null) ? code(build.failureKind().name()) : null, build.reason(),
					build.logExcerpt());
		}

	}

	/**
	 * One state change.
	 *
	 * @param fromState the state it left, null for the first
	 * @param state the state it entered
	 * @param at when
	 * @param reason why
	 * @param requestedBy the maintainer whose rebuild request made it, else null
	 */
	@ApiJson
	record Step(String fromState, String state, Instant at, String reason, RebuildRequester requestedBy) {

		static Step of(BuildEvent event) {
			return new Step((event.fromState() != null) ? code(event.fromState().name()) : null,
					code(event.toState().name()), event.at(), event.reason(), event.requestedBy());
		}

	}

	/**
	 * @param filename the wheel
	 * @param sha256 its digest
	 * @param size its size in bytes
	 * @param withdrawnReason why it was withdrawn from the index, else null
	 * @param removedReason why retention removed it, else null
	 */
	@ApiJson
	record Wheel(String filename, String sha256, long size, String withdrawnReason, String removedReason) {

		static Wheel of(StatusQueries.WheelView wheel) {
			return new Wheel(wheel.filename(), wheel.sha256(), wheel.size(), wheel.withdrawnReason(),
					wheel.removedReason());
		}

	}

	/**
	 * {@code GET /api/projects/{name}}.
	 *
	 * @param name the normalized name
	 * @param displayName the name as the project spells it
	 * @param optIn whether it opted in
	 * @param optInReason why so, as the opt-in check recorded it
	 * @param repository the registered repository it opted in from, else null
	 * @param configError why that repository's config could not be read, else null
	 * @param releases its releases, newest first
	 * @param retention the retention plan, null when none applies
	 */
	@ApiJson
	record ProjectDocument(String name, String displayName, Coded optIn, String optInReason, String repository,
			String configError, List<Release> releases, Retention retention) {

	}

	/**
	 * @param version the version
	 * @param yanked whether PyPI yanked it
	 * @param deleted whether PyPI deleted it
	 * @param outcome what the farm made of it
	 * @param buildId its newest build, else null
	 */
	@ApiJson
	record Release(String version, boolean yanked, boolean deleted, Outcome outcome, Long buildId) {

		static Release of(StatusQueries.ReleaseView release) {
			return new Release(release.version(), release.yanked(), release.deleted(),
					new Outcome(release.outcomeCode(),
							"failed".equals(release.outcomeCode()) ? release.failureClass() : null, release.outcome()),
					release.buildId());
		}

	}

	/**
	 * @param code see {@code StatusQueries.ReleaseView#outcomeCode}
	 * @param failureClass the failure class when the code is {@code failed}, else null
	 * @param message the same for a person
	 */
	@ApiJson
	record Outcome(String code, String failureClass, String message) {

	}

	/**
	 * @param policy the policy in force
	 * @param fromConfig whether the maintainer's config sets it (else the farm's default)
	 * @param jobEnabled whether the retention job runs on this farm
	 * @param nextRunAt when it runs next, null when it is off
	 * @param lastRun its last run, null before the first
	 * @param next what it will remove, soonest first
	 */
	@ApiJson
	record Retention(Policy policy, boolean fromConfig, boolean jobEnabled, Instant nextRunAt, LastRun lastRun,
			List<Removal> next) {

		static Retention of(ProjectRetention retention) {
			ProjectRetention.Run run = retention.lastRun();
			LastRun last = (run != null) ? new LastRun(run.id(), instant(run.startedAt()), instant(run.finishedAt()),
					retention.removedByLastRun()
						.stream()
						.map((file) -> new Removed(file.filename(), file.version(), instant(file.removedAt()),
								file.removedReason()))
						.toList())
					: null;
			RetentionPolicy policy = retention.policy();
			return new Retention(
					new Policy(policy.appliesTo().key(), policy.keepNewest(), policy.maxAgeDays(), policy.describe()),
					retention.fromConfig(), retention.jobEnabled(), retention.nextRunAt(), last,
					retention.nextRemovals()
						.stream()
						.map((next) -> new Removal(next.version(), next.at(), next.atNextRun(), next.why()))
						.toList());
		}

	}

	/**
	 * @param appliesTo {@code prereleases}, {@code all} or {@code none}
	 * @param keepNewest how many of the newest versions always stay
	 * @param maxAgeDays how old an older version may get
	 * @param message the policy in one sentence
	 */
	@ApiJson
	record Policy(String appliesTo, int keepNewest, int maxAgeDays, String message) {

	}

	/**
	 * @param id the run
	 * @param startedAt when it started
	 * @param finishedAt when it ended, null while it runs or if it died
	 * @param removed this project's files it removed
	 */
	@ApiJson
	record LastRun(long id, Instant startedAt, Instant finishedAt, List<Removed> removed) {

	}

	/**
	 * @param filename the file (its name stays reserved)
	 * @param version its version
	 * @param removedAt when
	 * @param reason why
	 */
	@ApiJson
	record Removed(String filename, String version, Instant removedAt, String reason) {

	}

	/**
	 * @param version the version to go
	 * @param at when: the next run, or when it becomes old enough
	 * @param atNextRun whether it goes at the next run
	 * @param reason the rule that removes it
	 */
	@ApiJson
	record Removal(String version, Instant at, boolean atNextRun, String reason) {

	}

	/**
	 * One page of a list ({@code GET /api/projects}, {@code GET /api/builds}).
	 *
	 * @param <T> the items' document
	 * @param items this page's items
	 * @param page the page, from 1
	 * @param perPage items per page
	 * @param total items in the whole list (with the same filter)
	 * @param pages pages in the whole list (at least 1)
	 * @param next the next page's URL, null on the last
	 * @param previous the previous page's URL, null on the first
	 */
	@ApiJson
	record Page<T>(List<T> items, int page, int perPage, long total, int pages, String next, String previous) {

	}

	/**
	 * A project in {@code GET /api/projects}.
	 *
	 * @param name the normalized name
	 * @param displayName the name as the project spells it
	 * @param optIn whether it opted in
	 * @param newestVersion the release PyPI announced last, null before the first
	 * @param builtWheels wheels the farm built and serves
	 * @param uploadedFiles files the project uploaded itself (nightlies) and the farm
	 * serves
	 * @param failedReleases releases whose newest build failed
	 * @param queuedBuilds builds waiting or running
	 * @param url its document ({@code /api/projects/{name}})
	 */
	@ApiJson
	record ProjectItem(String name, String displayName, Coded optIn, String newestVersion, long builtWheels,
			long uploadedFiles, long failedReleases, long queuedBuilds, String url) {

		static ProjectItem of(ProjectListing.ProjectSummary project, String url) {
			return new ProjectItem(project.name(), project.displayName(),
					new Coded(code(project.optinState()), StateWords.optin(project.optinState())),
					project.newestVersion(), project.builtWheels(), project.uploadedFiles(), project.failedReleases(),
					project.queuedBuilds(), url);
		}

	}

	/**
	 * A build in {@code GET /api/builds}.
	 *
	 * @param id the build
	 * @param project the normalized project name
	 * @param version the release
	 * @param state where it stands
	 * @param origin who asked for it: {@code watcher}, {@code request}, {@code operator}
	 * @param attempts how many times a builder took it
	 * @param builder {@code local} or {@code github}, null before
	 * @param strategy how the wheels were made, null until known
	 * @param failureClass the last failure's class, else null
	 * @param failureKind {@code permanent} or {@code transient}, else null
	 * @param nextAttemptAt the earliest time a builder may take it (a retry's backoff)
	 * @param createdAt when it entered the ledger
	 * @param updatedAt when its state last changed
	 * @param url its document ({@code /api/builds/{id}})
	 */
	@ApiJson
	record BuildItem(long id, String project, String version, Coded state, String origin, int attempts, String builder,
			String strategy, String failureClass, String failureKind, Instant nextAttemptAt, Instant createdAt,
			Instant updatedAt, String url) {

		static BuildItem of(BuildListing.BuildSummary build, String url) {
			return new BuildItem(build.id(), build.project(), build.version(),
					new Coded(code(build.state().name()), build.stateWords()), build.origin(), build.attempts(),
					build.builder(), build.strategy(), build.failureClass(), build.failureKind(),
					build.state().isEnded() ? null : build.nextAttemptAt(), build.createdAt(), build.updatedAt(), url);
		}

	}

}
