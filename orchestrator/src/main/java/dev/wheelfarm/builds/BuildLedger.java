package dev.wheelfarm.builds;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionOperations;

/**
 * The build ledger: one row per thing worth building once, handed out to builders by
 * claims that several orchestrator instances can make on one database.
 *
 * <p>
 * Every change after the claim is fenced by the claimant's name: an instance whose lease
 * expired (and whose build someone else took over) changes nothing. State changes are
 * checked and recorded in the timeline by the database's trigger. Transactions are
 * explicit (a {@link TransactionOperations}) so that the claim's lock and its update are
 * visibly one unit, with or without Spring's proxies.
 *
 * <p>
 * The times that decide who may build what and when (claims, leases, retry delays, engine
 * refusals, the rebuild window) are read from the farm's {@link Clock} and handed to each
 * statement as {@code :now}, so that a test moves them without waiting. The rows'
 * {@code created_at}/{@code updated_at} and the timeline's times stay the database's: its
 * trigger writes them.
 */
@Repository
public class BuildLedger {

	// The recipe's parts are stored as a JSON object, keys sorted as the fingerprint
	// hashes them.
	private static final JsonMapper RECIPE_JSON = JsonMapper.builder().build();

	private static final String COLUMNS = """
			b.id, p.name AS project, b.version, b.sdist_filename, b.sdist_url, b.sdist_sha256,
			b.recipe_fingerprint, b.state, b.origin, b.attempts, b.next_attempt_at, b.claimed_by,
			b.lease_expires_at, b.request_id, b.builder, b.external_run_id, b.external_run_url, b.strategy,
			b.failure_kind, b.failure_class, b.reason, b.log_excerpt, b.created_at, b.updated_at,
			b.options::text AS options
			""";

	// A new row, or nothing when the same (project, version, sdist, recipe) is already
	// there:
	// that unique key is what stops the farm from building the same thing twice.
	private static final String ENQUEUE = """
			INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256,
			                   recipe_fingerprint, origin, reason, options, recipe_parts, next_attempt_at)
			SELECT p.id, :version, :sdistFilename, :sdistUrl, :sdistSha256, :recipe, :origin, :reason,
			       CAST(:options AS jsonb), CAST(:parts AS jsonb), CAST(:now AS timestamptz)
			FROM project p WHERE p.name = :project
			ON CONFLICT (project_id, version, sdist_sha256, recipe_fingerprint) DO NOTHING
			RETURNING id
			""";

	private static final String FIND_BY_KEY = """
			SELECT b.id FROM build b JOIN project p ON p.id = b.project_id
			WHERE p.name = :project AND b.version = :version AND b.sdist_sha256 = :sdistSha256
			  AND b.recipe_fingerprint = :recipe
			""";

	private static final String FIND = "SELECT " + COLUMNS
			+ " FROM build b JOIN project p ON p.id = b.project_id WHERE b.id = :id";

	private static final String DISPATCHED_AT = """
			SELECT max(at) FROM build_event WHERE build_id = :id AND to_state = 'DISPATCHED'
			""";

	private static final String TIMELINE = """
			SELECT e.from_state, e.to_state, e.reason, e.at, r.credential, r.token_fingerprint, r.oidc_repository,
			       r.oidc_workflow_ref, r.oidc_ref, r.oidc_run_id, r.note, r.requested_at
			FROM build_event e LEFT JOIN rebuild_request r ON r.event_id = e.id
			WHERE e.build_id = :id ORDER BY e.id
			""";

	// A maintainer's rebuild: decisions about one project's rebuilds are taken one at a
	// time (the project row's lock), so two replicas answering two requests at once
	// cannot both stay under the limit with the same last slot.
	private static final String LOCK_PROJECT = """
			SELECT id FROM project WHERE name = :project FOR NO KEY UPDATE
			""";

	private static final String NEWEST_OF_RELEASE = """
			SELECT id, state FROM build WHERE project_id = :projectId AND version = :version
			ORDER BY id DESC LIMIT 1
			""";

	// The window slides: a request counts for exactly 24 hours, and the wait a refusal
	// names is until the oldest counted one leaves.
	private static final String REBUILDS_IN_WINDOW = """
			SELECT count(*) AS used,
			       coalesce(ceil(extract(epoch FROM min(requested_at) + interval '1 day' - CAST(:now AS timestamptz))), 0)::bigint
			           AS seconds_to_free
			FROM rebuild_request
			WHERE project_id = :projectId AND requested_at > CAST(:now AS timestamptz) - interval '1 day'
			""";

	// The FAILED -> PENDING move, with a fresh retry allowance and no failure left on the
	// row (the timeline keeps the failure's event). Attempts keep counting: the next
	// attempt's request id must not be one a run of the first life already carries.
	private static final String REQUEUE_FAILED = """
			UPDATE build SET state = 'PENDING', attempts_at_revival = attempts,
			                 next_attempt_at = CAST(:now AS timestamptz),
			                 reason = :reason,
			                 engine_refused_since = NULL,
			                 request_id = NULL, external_run_id = NULL, external_run_url = NULL,
			                 failure_kind = NULL, failure_class = NULL, log_excerpt = NULL
			WHERE id = :id AND state = 'FAILED'
			""";

	// The event the trigger has just written for that move, in this transaction.
	private static final String RECORD_REBUILD_REQUEST = """
			INSERT INTO rebuild_request (project_id, build_id, event_id, credential, token_fingerprint,
			                             oidc_repository, oidc_workflow_ref, oidc_ref, oidc_run_id, note, requested_at)
			SELECT :projectId, :id, max(e.id), :credential, :tokenFingerprint, :repository, :workflowRef, :ref,
			       :runId, :note, CAST(:now AS timestamptz)
			FROM build_event e WHERE e.build_id = :id AND e.to_state = 'PENDING'
			""";

	// Claims serialize on one advisory lock so that two instances cannot both see room
	// under
	// the concurrency cap and overshoot it together; SKIP LOCKED keeps claimers off rows
	// another transaction is changing. The lock is held for one short statement only.
	private static final String CLAIM_LOCK = "SELECT pg_advisory_xact_lock(7768510001)";

	// A PENDING build whose claimant's lease ran out goes back to the pool before each
	// claim,
	// so that the claim itself only looks at unclaimed rows (the build_claimable index).
	private static final String EXPIRE_CLAIMS = """
			UPDATE build SET claimed_by = NULL, lease_expires_at = NULL
			WHERE claimed_by IS NOT NULL AND lease_expires_at <= CAST(:now AS timestamptz) AND state = 'PENDING'
			""";

	private static final String CLAIM = """
			WITH busy AS (
			    SELECT count(*) AS n FROM build
			    WHERE state IN ('DISPATCHED', 'RUNNING') OR (state = 'PENDING' AND claimed_by IS NOT NULL)
			), next AS (
			    SELECT id FROM build
			    WHERE state = 'PENDING' AND claimed_by IS NULL AND next_attempt_at <= CAST(:now AS timestamptz)
			    ORDER BY next_attempt_at, id
			    LIMIT greatest(0, least(:limit, :maxConcurrent - (SELECT n FROM busy)))
			    FOR UPDATE SKIP LOCKED
			)
			UPDATE build b SET claimed_by = :owner,
			                   lease_expires_at = CAST(:now AS timestamptz) + :leaseMillis * interval '1 millisecond',
			                   attempts = b.attempts + 1,
			                   request_id = coalesce(b.request_id, 'wf-' || b.id || '-' || (b.attempts + 1))
			FROM next, project p
			WHERE b.id = next.id AND p.id = b.project_id
			RETURNING\s""" + COLUMNS;

	// Gives back a claim whose attempt never reached a builder (the engine was
	// unavailable):
	// the attempt is not counted, and the build waits before it is claimed again.
	// The first refusal of a run of them starts the clock the engine-outage limit is read
	// against.
	private static final String RELEASE = """
			UPDATE build SET claimed_by = NULL, lease_expires_at = NULL, attempts = greatest(attempts - 1, 0),
			                 next_attempt_at = CAST(:now AS timestamptz) + :delayMillis * interval '1 millisecond',
			                 reason = :reason,
			                 engine_refused_since = coalesce(engine_refused_since, CAST(:now AS timestamptz))
			WHERE id = :id AND state = 'PENDING' AND claimed_by = :owner
			""";

	private static final String REFUSED_FOR = """
			SELECT (extract(epoch FROM CAST(:now AS timestamptz) - engine_refused_since) * 1000)::bigint FROM build
			WHERE id = :id AND engine_refused_since IS NOT NULL
			""";

	private static final String HELD = "SELECT " + COLUMNS + """
			 FROM build b JOIN project p ON p.id = b.project_id
			WHERE b.claimed_by = :owner AND b.state IN ('DISPATCHED', 'RUNNING') AND b.builder = :builder
			ORDER BY b.id
			""";

	// Only builds with a builder: a PENDING claim lives within the round that made it
	// (claim, then dispatch or release), so one still there at the next round was left
	// by a life of this instance that died or failed mid-dispatch. Renewing it would keep
	// it from everyone for ever when the instance comes back under the same name; left
	// alone, its lease runs out and the next claim looks for its run first.
	private static final String RENEW_LEASES = """
			UPDATE build SET lease_expires_at = CAST(:now AS timestamptz) + :leaseMillis * interval '1 millisecond'
			WHERE claimed_by = :owner AND state IN ('DISPATCHED', 'RUNNING')
			""";

	// Builds whose instance died while they were with a builder: someone must keep
	// watching them.
	private static final String ADOPT_ORPHANS = """
			UPDATE build SET claimed_by = :owner,
			                 lease_expires_at = CAST(:now AS timestamptz) + :leaseMillis * interval '1 millisecond'
			WHERE state IN ('DISPATCHED', 'RUNNING') AND lease_expires_at <= CAST(:now AS timestamptz)
			RETURNING id
			""";

	private static final String MARK_DISPATCHED = """
			UPDATE build SET state = 'DISPATCHED', builder = :builder, external_run_id = :runId,
			                 external_run_url = :runUrl, reason = :reason, engine_refused_since = NULL
			WHERE id = :id AND state = 'PENDING' AND claimed_by = :owner
			""";

	private static final String MARK_RUNNING = """
			UPDATE build SET state = 'RUNNING', reason = :reason
			WHERE id = :id AND state = 'DISPATCHED' AND claimed_by = :owner
			""";

	private static final String MARK_SUCCEEDED = """
			UPDATE build SET state = 'SUCCEEDED', strategy = :strategy, reason = :reason,
			                 failure_kind = NULL, failure_class = NULL, log_excerpt = NULL,
			                 claimed_by = NULL, lease_expires_at = NULL
			WHERE id = :id AND state IN ('DISPATCHED', 'RUNNING') AND claimed_by = :owner
			""";

	// A transient failure with attempts left goes back to the queue after a backoff;
	// anything
	// else ends the build, remembering whether the failure was permanent.
	private static final String MARK_FAILED = """
			UPDATE build SET state = CASE WHEN :retry THEN 'PENDING' ELSE 'FAILED' END,
			                 request_id = NULL, external_run_id = NULL, external_run_url = NULL,
			                 next_attempt_at = CAST(:now AS timestamptz) + :delayMillis * interval '1 millisecond',
			                 failure_kind = :failureKind, failure_class = :failureClass,
			                 reason = :reason, log_excerpt = :logExcerpt,
			                 claimed_by = NULL, lease_expires_at = NULL, engine_refused_since = NULL
			WHERE id = :id AND state IN ('PENDING', 'DISPATCHED', 'RUNNING') AND claimed_by = :owner
			""";

	private static final String ATTEMPTS_AT_REVIVAL = "SELECT attempts_at_revival FROM build WHERE id = :id";

	// Succeeded a while ago and neither published nor refused by the ingest: its event
	// was lost. updated_at is written by the database's trigger, so it is compared with
	// the database's now(), not with the farm's clock.
	private static final String STRANDED = "SELECT " + COLUMNS + """
			 FROM build b JOIN project p ON p.id = b.project_id
			WHERE b.state = 'SUCCEEDED' AND b.updated_at < now() - :graceMillis * interval '1 millisecond'
			  AND NOT EXISTS (SELECT 1 FROM wheel_rejection r WHERE r.build_id = b.id)
			ORDER BY b.updated_at
			LIMIT 20
			""";

	// Restarts the stranded grace of a success whose publication failed this time (the
	// blob store could not be written, its outputs could not be fetched again): the
	// next offer waits one grace instead of hammering a bucket that is down on every
	// round, and the build's page says why its wheels are not listed yet.
	private static final String PUBLICATION_DELAYED = """
			UPDATE build SET reason = :reason, updated_at = now() WHERE id = :id AND state = 'SUCCEEDED'
			""";

	private static final String MARK_PUBLISHED = """
			UPDATE build SET state = 'PUBLISHED', reason = :reason WHERE id = :id AND state = 'SUCCEEDED'
			""";

	// Like a maintainer's rebuild: attempts keep counting so that request ids never
	// repeat, and the retry allowance starts again.
	private static final String FORCE_RETRY = """
			UPDATE build SET state = 'PENDING', attempts_at_revival = attempts,
			                 next_attempt_at = CAST(:now AS timestamptz),
			                 reason = :reason,
			                 engine_refused_since = NULL,
			                 request_id = NULL, external_run_id = NULL, external_run_url = NULL,
			                 failure_kind = NULL, failure_class = NULL, log_excerpt = NULL
			WHERE id = :id AND state IN ('FAILED', 'CANCELLED', 'SKIPPED')
			""";

	private static final String CANCEL = """
			UPDATE build SET state = 'CANCELLED', reason = :reason, claimed_by = NULL, lease_expires_at = NULL,
			                 request_id = NULL
			WHERE id = :id AND state IN ('PENDING', 'DISPATCHED', 'RUNNING')
			""";

	private static final int LOG_EXCERPT_LIMIT = 65536;

	private final JdbcClient jdbc;

	private final TransactionOperations transactions;

	private final BuildsProperties properties;

	private final Clock clock;

	public BuildLedger(JdbcClient jdbc, TransactionOperations transactions, BuildsProperties properties, Clock clock) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.properties = properties;
		this.clock = clock;
	}

	/** The clock's time as a statement's {@code :now}. */
	private OffsetDateTime now() {
		return OffsetDateTime.ofInstant(this.clock.instant(), ZoneOffset.UTC);
	}

	/**
	 * Records a candidate under a recipe. A candidate already in the ledger with the same
	 * recipe is not added again, whatever became of it: that is the failure memory.
	 * @return the build's id, and whether this call created it
	 * @throws UnknownProjectException when the project is not in the farm
	 */
	public Enqueued enqueue(BuildCandidate candidate, RecipeFingerprint recipe) {
		return enqueue(candidate, recipe, "{}");
	}

	/**
	 * Records a candidate under a recipe with the build options that recipe sends to the
	 * worker (a JSON object; the recipe's fingerprint covers them, so one key never has
	 * two sets of options).
	 * @return the build's id, and whether this call created it
	 * @throws UnknownProjectException when the project is not in the farm
	 */
	public Enqueued enqueue(BuildCandidate candidate, RecipeFingerprint recipe, String options) {
		return this.transactions.execute((status) -> insertOrFind(candidate, recipe, options, null));
	}

	/**
	 * Records a candidate under a recipe, with what its fingerprint is the hash of (shown
	 * in the public record of the wheels it makes).
	 * @return the build's id, and whether this call created it
	 * @throws UnknownProjectException when the project is not in the farm
	 */
	public Enqueued enqueue(BuildCandidate candidate, Recipes.Recipe recipe) {
		String parts = RECIPE_JSON.writeValueAsString(new TreeMap<>(recipe.parts()));
		return this.transactions
			.execute((status) -> insertOrFind(candidate, recipe.fingerprint(), recipe.options(), parts));
	}

	private Enqueued insertOrFind(BuildCandidate candidate, RecipeFingerprint recipe, String options, String parts) {
		Optional<Long> created = this.jdbc.sql(ENQUEUE)
			.param("project", candidate.project().value())
			.param("version", candidate.version())
			.param("sdistFilename", candidate.sdistFilename())
			.param("sdistUrl", candidate.sdistUrl())
			.param("sdistSha256", candidate.sdistSha256().hex())
			.param("recipe", recipe.hex())
			.param("origin", candidate.origin().code())
			.param("reason", "queued by " + candidate.origin().code())
			.param("options", options)
			.param("parts", parts)
			.param("now", now())
			.query(Long.class)
			.optional();
		if (created.isPresent()) {
			return new Enqueued(created.get(), true);
		}
		Long existing = this.jdbc.sql(FIND_BY_KEY)
			.param("project", candidate.project().value())
			.param("version", candidate.version())
			.param("sdistSha256", candidate.sdistSha256().hex())
			.param("recipe", recipe.hex())
			.query(Long.class)
			.optional()
			.orElseThrow(() -> new UnknownProjectException(candidate.project().value()));
		return new Enqueued(existing, false);
	}

	/**
	 * Claims up to {@code limit} builds that are due, never more than the concurrency cap
	 * leaves room for. Each claim counts as an attempt and holds for one lease.
	 */
	public List<Build> claim(String owner, int limit) {
		List<Build> claimed = this.transactions.execute((status) -> {
			this.jdbc.sql(CLAIM_LOCK).query().singleValue();
			// One instant for both statements, as the database's now() was one per
			// transaction.
			OffsetDateTime now = now();
			this.jdbc.sql(EXPIRE_CLAIMS).param("now", now).update();
			return this.jdbc.sql(CLAIM)
				.param("now", now)
				.param("owner", owner)
				.param("limit", limit)
				.param("maxConcurrent", this.properties.maxConcurrent())
				.param("leaseMillis", this.properties.lease().toMillis())
				.query(BuildLedger::mapBuild)
				.list();
		});
		return claimed.stream().sorted(java.util.Comparator.comparingLong(Build::id)).toList();
	}

	/**
	 * Gives back a claimed build whose attempt never reached a builder, without counting
	 * the attempt.
	 */
	public boolean release(long id, String owner, String reason, java.time.Duration delay) {
		return this.jdbc.sql(RELEASE)
			.param("id", id)
			.param("owner", owner)
			.param("reason", reason)
			.param("delayMillis", delay.toMillis())
			.param("now", now())
			.update() == 1;
	}

	/**
	 * How long the engine has refused the build without a break (empty when its last
	 * dispatch was accepted, or it was never refused).
	 */
	public Optional<java.time.Duration> engineRefusedFor(long id) {
		return this.jdbc.sql(REFUSED_FOR)
			.param("id", id)
			.param("now", now())
			.query(Long.class)
			.optional()
			.map(java.time.Duration::ofMillis);
	}

	/** The dispatched and running builds {@code owner} watches on one engine. */
	public List<Build> held(String owner, String builder) {
		return this.jdbc.sql(HELD).param("owner", owner).param("builder", builder).query(BuildLedger::mapBuild).list();
	}

	/**
	 * Extends the leases of the builds {@code owner} watches with a builder; returns how
	 * many.
	 */
	public int renewLeases(String owner) {
		return this.jdbc.sql(RENEW_LEASES)
			.param("owner", owner)
			.param("now", now())
			.param("leaseMillis", this.properties.lease().toMillis())
			.update();
	}

	/**
	 * Takes over the watch of dispatched or running builds whose instance's lease ran
	 * out.
	 */
	public List<Long> adoptOrphans(String owner) {
		return this.jdbc.sql(ADOPT_ORPHANS)
			.param("owner", owner)
			.param("now", now())
			.param("leaseMillis", this.properties.lease().toMillis())
			.query(Long.class)
			.list();
	}

	/** The builder accepted the build. False when {@code owner} no longer holds it. */
	public boolean markDispatched(long id, String owner, String builder, String runId, String runUrl) {
		return this.jdbc.sql(MARK_DISPATCHED)
			.param("id", id)
			.param("owner", owner)
			.param("builder", builder)
			.param("runId", runId)
			.param("runUrl", runUrl)
			.param("reason", "dispatched to " + builder)
			.update() == 1;
	}

	/** The builder reports the build started. */
	public boolean markRunning(long id, String owner) {
		return this.jdbc.sql(MARK_RUNNING)
			.param("id", id)
			.param("owner", owner)
			.param("reason", "the builder started it")
			.update() == 1;
	}

	/** The builder produced wheels that passed verification. */
	public boolean markSucceeded(long id, String owner, String strategy) {
		return this.jdbc.sql(MARK_SUCCEEDED)
			.param("id", id)
			.param("owner", owner)
			.param("strategy", strategy)
			.param("reason", "built with " + strategy)
			.update() == 1;
	}

	/**
	 * Records a failure. A transient one with attempts left puts the build back in the
	 * queue after an exponential backoff; otherwise the build ends as failed.
	 * @return what became of the build, or empty when {@code owner} no longer holds it
	 */
	public Optional<BuildState> markFailed(long id, String owner, FailureClass failure, String reason,
			String logExcerpt) {
		return this.transactions.execute((status) -> recordFailure(id, owner, failure, reason, logExcerpt));
	}

	private Optional<BuildState> recordFailure(long id, String owner, FailureClass failure, String reason,
			String logExcerpt) {
		Optional<Build> build = find(id);
		if (build.isEmpty() || !owner.equals(build.get().claimedBy())) {
			return Optional.empty();
		}
		// Attempts since the row was last revived by a rebuild: each life has the full
		// allowance.
		int attempts = build.get().attempts()
				- this.jdbc.sql(ATTEMPTS_AT_REVIVAL).param("id", id).query(Integer.class).single();
		boolean retry = failure.kind() == FailureKind.TRANSIENT && attempts < this.properties.maxAttempts();
		String fullReason = failure.code() + ": " + reason + (retry
				? " (attempt " + attempts + " of " + this.properties.maxAttempts() + ", will retry)"
				: (failure.kind() == FailureKind.TRANSIENT ? " (gave up after " + attempts + " attempts)" : ""));
		int updated = this.jdbc.sql(MARK_FAILED)
			.param("id", id)
			.param("owner", owner)
			.param("retry", retry)
			.param("delayMillis", retry ? this.properties.retryDelayAfter(attempts).toMillis() : 0L)
			.param("failureKind", failure.kind().name().toLowerCase(Locale.ROOT))
			.param("failureClass", failure.code())
			.param("reason", fullReason)
			.param("logExcerpt", truncate(logExcerpt))
			.param("now", now())
			.update();
		return (updated == 1) ? Optional.of(retry ? BuildState.PENDING : BuildState.FAILED) : Optional.empty();
	}

	/**
	 * Builds that succeeded more than {@code grace} ago but whose wheels were neither
	 * published nor refused: the orchestrator died between the two, and the wheels must
	 * be offered to the index again.
	 */
	public List<Build> stranded(java.time.Duration grace) {
		return this.jdbc.sql(STRANDED).param("graceMillis", grace.toMillis()).query(BuildLedger::mapBuild).list();
	}

	/**
	 * A succeeded build's wheels could not be published this time; they are offered again
	 * once {@link #stranded} finds it, one grace from now.
	 * @return false when the build is no longer waiting for its publication
	 */
	public boolean publicationDelayed(long id, String why) {
		return this.jdbc.sql(PUBLICATION_DELAYED)
			.param("id", id)
			.param("reason", "not published yet: " + why)
			.update() == 1;
	}

	/** The index published the build's wheels. */
	public boolean markPublished(long id) {
		return this.jdbc.sql(MARK_PUBLISHED).param("id", id).param("reason", "wheels published").update() == 1;
	}

	/** An operator's retry of an ended build, whatever its failure class. */
	public boolean forceRetry(long id, String reason) {
		return this.jdbc.sql(FORCE_RETRY)
			.param("id", id)
			.param("reason", "forced retry: " + reason)
			.param("now", now())
			.update() == 1;
	}

	/**
	 * A maintainer's request to build a release again: the newest build of
	 * {@code version} goes from FAILED back to PENDING, under the same id and unique key,
	 * if the project has rebuilds left in the last 24 hours. The request, and who made
	 * it, is recorded beside the timeline event of the move, in the same transaction.
	 */
	public RebuildOutcome requestRebuild(String project, String version, RebuildRequester requester) {
		return this.transactions.execute((status) -> {
			OffsetDateTime now = now();
			Optional<Long> projectId = this.jdbc.sql(LOCK_PROJECT)
				.param("project", project)
				.query(Long.class)
				.optional();
			if (projectId.isEmpty()) {
				return new RebuildOutcome.NoBuild();
			}
			Optional<Map<String, Object>> newest = this.jdbc.sql(NEWEST_OF_RELEASE)
				.param("projectId", projectId.get())
				.param("version", version)
				.query()
				.listOfRows()
				.stream()
				.findFirst();
			if (newest.isEmpty()) {
				return new RebuildOutcome.NoBuild();
			}
			long id = ((Number) newest.get().get("id")).longValue();
			BuildState state = BuildState.valueOf((String) newest.get().get("state"));
			if (state != BuildState.FAILED) {
				return new RebuildOutcome.NotFailed(id, state);
			}
			Map<String, Object> window = this.jdbc.sql(REBUILDS_IN_WINDOW)
				.param("projectId", projectId.get())
				.param("now", now)
				.query()
				.singleRow();
			int used = ((Number) window.get("used")).intValue();
			int limit = this.properties.rebuildsPerProjectPerDay();
			if (used >= limit) {
				long seconds = Math.max(1, ((Number) window.get("seconds_to_free")).longValue());
				return new RebuildOutcome.Limited(id, limit, Duration.ofSeconds(seconds));
			}
			this.jdbc.sql(REQUEUE_FAILED)
				.param("id", id)
				.param("reason", requester.describe())
				.param("now", now)
				.update();
			this.jdbc.sql(RECORD_REBUILD_REQUEST)
				.param("projectId", projectId.get())
				.param("id", id)
				.param("credential", requester.credential())
				.param("tokenFingerprint", requester.tokenFingerprint())
				.param("repository", requester.repository())
				.param("workflowRef", requester.workflowRef())
				.param("ref", requester.ref())
				.param("runId", requester.runId())
				.param("note", requester.note())
				.param("now", now)
				.update();
			return new RebuildOutcome.Queued(id, limit - used - 1);
		});
	}

	/** Stops a build that has not ended. */
	public boolean cancel(long id, String reason) {
		return this.jdbc.sql(CANCEL).param("id", id).param("reason", reason).update() == 1;
	}

	public Optional<Build> find(long id) {
		return this.jdbc.sql(FIND).param("id", id).query(BuildLedger::mapBuild).optional();
	}

	/** When the build's current run was dispatched, if it ever was. */
	public Optional<Instant> dispatchedAt(long id) {
		return Optional.ofNullable(this.jdbc.sql(DISPATCHED_AT).param("id", id).query(Timestamp.class).single())
			.map(Timestamp::toInstant);
	}

	/** Every state the build entered, oldest first. */
	public List<BuildEvent> timeline(long id) {
		return this.jdbc.sql(TIMELINE)
			.param("id", id)
			.query((rs, row) -> new BuildEvent(state(rs.getString("from_state")), state(rs.getString("to_state")),
					rs.getString("reason"), instant(rs.getTimestamp("at")), requester(rs)))
			.list();
	}

	private static String truncate(String logExcerpt) {
		if (logExcerpt == null || logExcerpt.length() <= LOG_EXCERPT_LIMIT) {
			return logExcerpt;
		}
		// Keep the end: the error a build dies of is at the bottom of its log.
		return logExcerpt.substring(logExcerpt.length() - LOG_EXCERPT_LIMIT);
	}

	private static Build mapBuild(ResultSet rs, int row) throws SQLException {
		String failureKind = rs.getString("failure_kind");
		return new Build(rs.getLong("id"), rs.getString("project"), rs.getString("version"),
				rs.getString("sdist_filename"), rs.getString("sdist_url"), rs.getString("sdist_sha256"),
				rs.getString("recipe_fingerprint"), state(rs.getString("state")), rs.getString("origin"),
				rs.getInt("attempts"), instant(rs.getTimestamp("next_attempt_at")), rs.getString("claimed_by"),
				instant(rs.getTimestamp("lease_expires_at")), rs.getString("request_id"), rs.getString("builder"),
				rs.getString("external_run_id"), rs.getString("external_run_url"), rs.getString("strategy"),
				(failureKind != null) ? FailureKind.valueOf(failureKind.toUpperCase(Locale.ROOT)) : null,
				rs.getString("failure_class"), rs.getString("reason"), rs.getString("log_excerpt"),
				instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("updated_at")),
				rs.getString("options"));
	}

	private static RebuildRequester requester(ResultSet rs) throws SQLException {
		String credential = rs.getString("credential");
		if (credential == null) {
			return null;
		}
		return new RebuildRequester(credential, rs.getString("token_fingerprint"), rs.getString("oidc_repository"),
				rs.getString("oidc_workflow_ref"), rs.getString("oidc_ref"), rs.getString("oidc_run_id"),
				rs.getString("note"), instant(rs.getTimestamp("requested_at")));
	}

	private static BuildState state(String value) {
		return (value != null) ? BuildState.valueOf(value) : null;
	}

	private static Instant instant(Timestamp timestamp) {
		return (timestamp != null) ? timestamp.toInstant() : null;
	}

	/**
	 * The outcome of {@link #enqueue}.
	 *
	 * @param id the build's id
	 * @param created whether the call added it (false: it was already in the ledger)
	 */
	public record Enqueued(long id, boolean created) {

	}

	/** A candidate names a project the farm does not know. */
	public static class UnknownProjectException extends IllegalArgumentException {

		private static final long serialVersionUID = 1L;

		UnknownProjectException(String project) {
			super("project '" + project + "' is not known to the farm");
		}

	}

}
