package dev.wheelfarm.optin;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * The opt-in rows: registered repositories, what their configs claim, and the project
 * rows those claims decide.
 */
@Repository
class OptInRepository {

	private static final String REGISTER = """
			INSERT INTO repository (url) VALUES (:url)
			ON CONFLICT (url) DO UPDATE SET url = EXCLUDED.url
			RETURNING id
			""";

	private static final String REPOSITORY_COLUMNS = """
			SELECT id, url, head_commit, config_path, config::text AS config, config_problems::text AS config_problems,
			       config_error, checked_at
			FROM repository
			""";

	private static final String RECORD_READ = """
			UPDATE repository
			SET head_commit = :head, config_path = :path, config = CAST(:config AS jsonb),
			    config_problems = CAST(:problems AS jsonb), config_error = :error, checked_at = now()
			WHERE id = :id
			""";

	private static final String RECORD_FAILURE = """
			UPDATE repository SET config_error = :error, checked_at = now() WHERE id = :id
			""";

	private static final String CLAIMS = """
			SELECT c.repository_id, r.url, c.project_name, c.display_name, c.outcome, c.reason, c.checked_at
			FROM optin_claim c JOIN repository r ON r.id = c.repository_id
			""";

	private static final String SAVE_CLAIM = """
			INSERT INTO optin_claim (repository_id, project_name, display_name, outcome, reason)
			VALUES (:repository, :name, :display, :outcome, :reason)
			ON CONFLICT (repository_id, project_name) DO UPDATE
			SET display_name = EXCLUDED.display_name, outcome = EXCLUDED.outcome, reason = EXCLUDED.reason,
			    checked_at = now()
			""";

	private static final String PROJECT = """
			SELECT p.id, p.name, p.display_name, p.repository_id, r.url AS repository_url, p.optin_state,
			       p.optin_reason, p.settings::text AS settings, p.updated_at
			FROM project p LEFT JOIN repository r ON r.id = p.repository_id
			WHERE p.name = :name
			""";

	// Only the repository that holds the project (or none does) may change it: a claim
	// through another repository is decided in optin_claim alone.
	private static final String DECIDE_PROJECT = """
			INSERT INTO project (name, display_name, repository_id, optin_state, optin_reason, settings)
			VALUES (:name, :display, :repository, :state, :reason, CAST(COALESCE(CAST(:settings AS text), '{}') AS jsonb))
			ON CONFLICT (name) DO UPDATE
			SET display_name = EXCLUDED.display_name, repository_id = EXCLUDED.repository_id,
			    optin_state = EXCLUDED.optin_state, optin_reason = EXCLUDED.optin_reason,
			    settings = CASE WHEN CAST(:settings AS text) IS NULL THEN project.settings ELSE EXCLUDED.settings END,
			    updated_at = now()
			WHERE project.repository_id IS NULL OR project.repository_id = EXCLUDED.repository_id
			   OR project.optin_state <> 'OPTED_IN'
			""";

	private static final String ADD_PENDING_PROJECT = """
			INSERT INTO project (name, display_name, repository_id, optin_state, optin_reason)
			VALUES (:name, :display, :repository, 'PENDING', :reason)
			ON CONFLICT (name) DO NOTHING
			""";

	private static final String DISABLE_HELD = """
			UPDATE project SET optin_state = 'DISABLED', optin_reason = :reason, updated_at = now()
			WHERE name = :name AND repository_id = :repository AND optin_state <> 'DISABLED'
			""";

	private final JdbcClient jdbc;

	OptInRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	long register(String url) {
		return this.jdbc.sql(REGISTER).param("url", url).query(Long.class).single();
	}

	Optional<RepositoryRow> repository(long id) {
		return this.jdbc.sql(REPOSITORY_COLUMNS + " WHERE id = :id")
			.param("id", id)
			.query(RepositoryRow.class)
			.optional();
	}

	Optional<RepositoryRow> repositoryByUrl(String url) {
		return this.jdbc.sql(REPOSITORY_COLUMNS + " WHERE url = :url")
			.param("url", url)
			.query(RepositoryRow.class)
			.optional();
	}

	List<Long> repositoryIds() {
		return this.jdbc.sql("SELECT id FROM repository ORDER BY checked_at NULLS FIRST, id").query(Long.class).list();
	}

	void recordFailure(long id, String error) {
		this.jdbc.sql(RECORD_FAILURE).param("id", id).param("error", error).update();
	}

	/** Stores a read (config or not) and applies its claims, all or nothing. */
	@Transactional
	void recordRead(long id, String head, String path, String configJson, String problemsJson, String error,
			List<Decision> decisions) {
		this.jdbc.sql(RECORD_READ)
			.param("id", id)
			.param("head", head)
			.param("path", path)
			.param("config", configJson)
			.param("problems", problemsJson)
			.param("error", error)
			.update();
		for (Decision decision : decisions) {
			apply(id, decision);
		}
	}

	private void apply(long repository, Decision decision) {
		Outcome outcome = decision.outcome();
		if (outcome == Outcome.PENDING) {
			this.jdbc.sql(ADD_PENDING_PROJECT)
				.param("name", decision.name())
				.param("display", decision.displayName())
				.param("repository", repository)
				.param("reason", decision.reason())
				.update();
			saveClaim(repository, decision.name(), decision.displayName(), outcome, decision.reason());
			return;
		}
		if (outcome == Outcome.DISABLED && decision.onlyIfHeld()) {
			this.jdbc.sql(DISABLE_HELD)
				.param("name", decision.name())
				.param("repository", repository)
				.param("reason", decision.reason())
				.update();
			saveClaim(repository, decision.name(), decision.displayName(), outcome, decision.reason());
			return;
		}
		int changed = this.jdbc.sql(DECIDE_PROJECT)
			.param("name", decision.name())
			.param("display", decision.displayName())
			.param("repository", repository)
			.param("state", outcome.name())
			.param("reason", decision.reason())
			.param("settings", decision.settingsJson())
			.update();
		if (changed == 0 && outcome == Outcome.REJECTED) {
			// Refused on its own merits: that reason helps more than naming the holder.
			saveClaim(repository, decision.name(), decision.displayName(), outcome, decision.reason());
			return;
		}
		if (changed == 0) {
			String holder = project(decision.name()).map(ProjectRow::repositoryUrl).orElse("another repository");
			saveClaim(repository, decision.name(), decision.displayName(), Outcome.REJECTED,
					decision.name() + " is already opted in through " + holder);
			return;
		}
		saveClaim(repository, decision.name(), decision.displayName(), outcome, decision.reason());
	}

	private void saveClaim(long repository, String name, String display, Outcome outcome, String reason) {
		this.jdbc.sql(SAVE_CLAIM)
			.param("repository", repository)
			.param("name", name)
			.param("display", display)
			.param("outcome", outcome.name())
			.param("reason", reason)
			.update();
	}

	List<ClaimRow> claimsOf(long repository) {
		return this.jdbc.sql(CLAIMS + " WHERE c.repository_id = :id ORDER BY c.project_name")
			.param("id", repository)
			.query(ClaimRow.class)
			.list();
	}

	List<ClaimRow> claimsFor(String project) {
		return this.jdbc.sql(CLAIMS + " WHERE c.project_name = :name ORDER BY c.repository_id")
			.param("name", project)
			.query(ClaimRow.class)
			.list();
	}

	Optional<ProjectRow> project(String name) {
		return this.jdbc.sql(PROJECT).param("name", name).query(ProjectRow.class).optional();
	}

	/** What a claim came to. */
	enum Outcome {

		OPTED_IN, REJECTED, DISABLED, PENDING

	}

	/**
	 * What one sync decided for one project.
	 *
	 * @param name the normalized name
	 * @param displayName the name as the config spells it
	 * @param outcome the decision
	 * @param reason why, in words; null when opted in
	 * @param settingsJson the settings to store, or null to keep the stored ones
	 * @param onlyIfHeld apply only to a project this repository holds (a name no longer
	 * named)
	 */
	record Decision(String name, String displayName, Outcome outcome, String reason, String settingsJson,
			boolean onlyIfHeld) {

	}

	record RepositoryRow(long id, String url, String headCommit, String configPath, String config,
			String configProblems, String configError, OffsetDateTime checkedAt) {

	}

	record ClaimRow(long repositoryId, String url, String projectName, String displayName, String outcome,
			String reason, OffsetDateTime checkedAt) {

	}

	record ProjectRow(long id, String name, String displayName, Long repositoryId, String repositoryUrl,
			String optinState, String optinReason, String settings, OffsetDateTime updatedAt) {

	}

}
