package dev.wheelfarm.status;

import java.util.Locale;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Every project the index hosts, with its newest release and what the farm has for it:
 * the list behind {@code /projects} and {@code /api/projects}. Read-only, filtered and
 * paged in SQL so that a farm with thousands of projects answers one page at a time.
 */
@Repository
public class ProjectListing {

	// The index's rule for a hosted project (index.IndexRepository.HOSTED, docs/index.md
	// "Hosted projects"): opted in, or farm files still served to users who pinned them.
	// The search matches the normalized name or the display name, as a substring.
	private static final String HOSTED = """
			FROM project p
			WHERE (p.optin_state = 'OPTED_IN'
			       OR EXISTS (SELECT 1 FROM wheel w
			                  WHERE w.project_id = p.id AND w.removed_at IS NULL AND w.stage_id IS NULL))
			  AND (CAST(:pattern AS text) IS NULL
			       OR p.name LIKE :pattern ESCAPE '\\' OR lower(p.display_name) LIKE :displayPattern ESCAPE '\\')
			""";

	// The newest release is the one PyPI announced last (what a user just read about),
	// not
	// a PEP 440 maximum: legacy version strings have no order. "Failed" counts releases
	// whose newest build failed, so a failure a rebuild since fixed is not counted.
	private static final String PAGE = """
			SELECT p.name, p.display_name, p.optin_state,
			       (SELECT r.version FROM release r WHERE r.project_id = p.id AND r.deleted_at IS NULL
			        ORDER BY r.first_seen_at DESC, r.id DESC LIMIT 1) AS newest_version,
			       (SELECT count(*) FROM wheel w WHERE w.project_id = p.id AND w.origin = 'build'
			          AND w.withdrawn_at IS NULL AND w.removed_at IS NULL AND w.stage_id IS NULL) AS built_wheels,
			       (SELECT count(*) FROM wheel w WHERE w.project_id = p.id AND w.origin = 'upload'
			          AND w.withdrawn_at IS NULL AND w.removed_at IS NULL AND w.stage_id IS NULL) AS uploaded_files,
			       (SELECT count(*) FROM (SELECT DISTINCT ON (b.version) b.state FROM build b
			                              WHERE b.project_id = p.id ORDER BY b.version, b.id DESC) newest
			        WHERE newest.state = 'FAILED') AS failed_releases,
			       (SELECT count(*) FROM build b WHERE b.project_id = p.id
			          AND b.state IN ('PENDING', 'DISPATCHED', 'RUNNING')) AS queued_builds
			""" + HOSTED + """
			ORDER BY p.name
			LIMIT :limit OFFSET :offset
			""";

	private static final String COUNT = "SELECT count(*) " + HOSTED;

	/** The longest search text accepted; a project name is at most 200 characters. */
	public static final int MAX_SEARCH = 200;

	private final JdbcClient jdbc;

	ProjectListing(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * One page of the hosted projects, by name.
	 * @param search text the name or display name contains (any spelling of a name
	 * matches: {@code Foo_Bar} finds {@code foo-bar}); null or blank for all
	 * @param paging the page to read
	 */
	public Listed<ProjectSummary> list(String search, Paging paging) {
		String pattern = pattern(normalizedSearch(search));
		String displayPattern = (search == null || search.isBlank()) ? null
				: pattern(search.strip().toLowerCase(Locale.ROOT));
		long total = this.jdbc.sql(COUNT)
			.param("pattern", pattern)
			.param("displayPattern", displayPattern)
			.query(Long.class)
			.single();
		return new Listed<>(this.jdbc.sql(PAGE)
			.param("pattern", pattern)
			.param("displayPattern", displayPattern)
			.param("limit", paging.size())
			.param("offset", paging.offset())
			.query(ProjectSummary.class)
			.list(), paging, total);
	}

	/**
	 * The search as a name is normalized (PEP 503): lower case, runs of {@code -_.} as
	 * one {@code -}. Null for no search.
	 */
	static String normalizedSearch(String search) {
		if (search == null || search.isBlank()) {
			return null;
		}
		String trimmed = search.strip();
		if (trimmed.length() > MAX_SEARCH) {
			throw new IllegalArgumentException("a search is at most " + MAX_SEARCH + " characters");
		}
		return trimmed.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
	}

	/** A LIKE pattern that finds the text anywhere, its wildcards taken literally. */
	private static String pattern(String text) {
		if (text == null) {
			return null;
		}
		return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
	}

	/**
	 * One hosted project in the list.
	 *
	 * @param name the normalized name
	 * @param displayName the name as the project spells it
	 * @param optinState the opt-in state's code ({@code OPTED_IN}, ...; words:
	 * {@link StateWords#optin})
	 * @param newestVersion the release PyPI announced last, null before the first
	 * @param builtWheels wheels the farm built and serves
	 * @param uploadedFiles files the project uploaded itself (nightlies) and the farm
	 * serves
	 * @param failedReleases releases whose newest build failed
	 * @param queuedBuilds builds waiting or running
	 */
	public record ProjectSummary(String name, String displayName, String optinState, String newestVersion,
			long builtWheels, long uploadedFiles, long failedReleases, long queuedBuilds) {

	}

}
