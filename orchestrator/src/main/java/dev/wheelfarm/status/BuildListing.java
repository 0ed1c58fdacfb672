package dev.wheelfarm.status;

import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;

import dev.wheelfarm.builds.BuildState;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The build ledger as lists: the queue (what waits or runs, in the order the dispatcher
 * takes it) and every build newest first, filtered by state and project. Behind
 * {@code /builds} and {@code /api/builds}.
 */
@Repository
public class BuildListing {

	private static final String COLUMNS = """
			SELECT b.id, p.name AS project, b.version, b.state, b.origin, b.attempts, b.builder, b.strategy,
			       b.failure_kind, b.failure_class, b.reason, b.next_attempt_at, b.created_at, b.updated_at
			FROM build b JOIN project p ON p.id = b.project_id
			""";

	// States arrive as one comma-separated parameter so that "no filter" needs no second
	// statement; they are enum names, and bound, never spliced.
	private static final String FILTER = """
			WHERE (CAST(:states AS text) IS NULL OR b.state = ANY (string_to_array(:states, ',')))
			  AND (CAST(:project AS text) IS NULL OR p.name = :project)
			""";

	private static final String PAGE = COLUMNS + FILTER + """
			ORDER BY b.id DESC
			LIMIT :limit OFFSET :offset
			""";

	private static final String COUNT = "SELECT count(*) FROM build b JOIN project p ON p.id = b.project_id " + FILTER;

	private static final String QUEUE_FILTER = "WHERE b.state IN ('PENDING', 'DISPATCHED', 'RUNNING')\n";

	// What a builder works on first, then what the dispatcher claims next (the claim's
	// order: next_attempt_at, id).
	private static final String QUEUE = COLUMNS + QUEUE_FILTER + """
			ORDER BY (b.state <> 'PENDING') DESC, b.next_attempt_at, b.id
			LIMIT :limit OFFSET :offset
			""";

	private static final String QUEUE_COUNT = "SELECT count(*) FROM build b " + QUEUE_FILTER;

	private final JdbcClient jdbc;

	BuildListing(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Builds newest first, by the filter. */
	public Listed<BuildSummary> list(Filter filter, Paging paging) {
		String states = filter.states().isEmpty() ? null
				: filter.states().stream().map(BuildState::name).sorted().collect(Collectors.joining(","));
		long total = this.jdbc.sql(COUNT)
			.param("states", states)
			.param("project", filter.project())
			.query(Long.class)
			.single();
		return new Listed<>(this.jdbc.sql(PAGE)
			.param("states", states)
			.param("project", filter.project())
			.param("limit", paging.size())
			.param("offset", paging.offset())
			.query(BuildSummary.class)
			.list(), paging, total);
	}

	/**
	 * What waits or runs: running builds first, then the waiting ones in the order the
	 * dispatcher claims them.
	 */
	public Listed<BuildSummary> queue(Paging paging) {
		long total = this.jdbc.sql(QUEUE_COUNT).query(Long.class).single();
		return new Listed<>(this.jdbc.sql(QUEUE)
			.param("limit", paging.size())
			.param("offset", paging.offset())
			.query(BuildSummary.class)
			.list(), paging, total);
	}

	/**
	 * Which builds to list.
	 *
	 * @param states the states to show; empty for all
	 * @param project a normalized project name, or null for every project
	 */
	public record Filter(Set<BuildState> states, String project) {

		public Filter {
			states = Set.copyOf(states);
		}

		/** Every build. */
		public static Filter all() {
			return new Filter(Set.of(), null);
		}

	}

	/**
	 * One build in a list.
	 *
	 * @param id the build's id
	 * @param project the normalized project name
	 * @param version the release's version
	 * @param state where it stands (words: {@link StateWords#build})
	 * @param origin who asked for it: {@code watcher}, {@code request}, {@code operator}
	 * @param attempts how many times it was claimed
	 * @param builder {@code local} or {@code github}, once dispatched
	 * @param strategy how the wheels were made, once known
	 * @param failureKind {@code permanent} or {@code transient} after a failure
	 * @param failureClass the last failure's class code
	 * @param reason the last state change's reason
	 * @param nextAttemptAt the earliest time it may be claimed (a retry's backoff)
	 * @param createdAt when it entered the ledger
	 * @param updatedAt when its state last changed
	 */
	public record BuildSummary(long id, String project, String version, BuildState state, String origin, int attempts,
			String builder, String strategy, String failureKind, String failureClass, String reason,
			Instant nextAttemptAt, Instant createdAt, Instant updatedAt) {

		/** The state in words, as every page shows it. */
		public String stateWords() {
			return StateWords.build(this.state, this.failureClass, this.failureKind, this.nextAttemptAt);
		}

	}

}
