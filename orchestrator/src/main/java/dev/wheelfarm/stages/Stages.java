package dev.wheelfarm.stages;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import dev.wheelfarm.artifacts.WheelsPublished;
import dev.wheelfarm.shared.ProjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionOperations;

/**
 * The stages: where a project's files wait, stored and verified but unlisted, until
 * someone publishes them all at once or discards them. A project has at most one open
 * stage (the next release being assembled); uploads with {@code stage=true} and farm
 * builds of a project that publishes on review land in it.
 * <p>
 * Publishing is one transaction: the files leave the stage together, so the index (and
 * the static export, which reads a project's files in one query) shows all or none of
 * them.
 */
@Component
public class Stages {

	private static final Logger logger = LoggerFactory.getLogger(Stages.class);

	private static final SecureRandom RANDOM = new SecureRandom();

	private static final String COLUMNS = """
			SELECT s.id, s.project_id, p.name AS project, s.token, s.state, s.created_at, s.expires_at, s.closed_at,
			       s.closed_reason
			FROM stage s JOIN project p ON p.id = s.project_id
			""";

	private static final String OPEN_STAGE = COLUMNS + " WHERE s.project_id = :project AND s.state = 'OPEN'";

	private static final String BY_TOKEN = COLUMNS + " WHERE s.token = :token";

	private static final String OF_PROJECT = COLUMNS
			+ " WHERE p.name = :name ORDER BY s.created_at DESC, s.id DESC LIMIT 20";

	private static final String OPEN = """
			INSERT INTO stage (project_id, token, expires_at) VALUES (:project, :token, :expires)
			ON CONFLICT (project_id) WHERE state = 'OPEN' DO NOTHING
			""";

	// An expired stage that the expiry job has not reached yet is as good as discarded.
	private static final String LOCK = """
			SELECT CASE WHEN state = 'OPEN' AND expires_at <= now() THEN 'EXPIRED' ELSE state END
			FROM stage WHERE id = :id FOR UPDATE
			""";

	private static final String LOCK_SHARED = """
			SELECT id FROM stage WHERE id = :id AND state = 'OPEN' AND expires_at > now() FOR SHARE
			""";

	private static final String RELEASE_FILES = """
			UPDATE wheel SET stage_id = NULL, stored_at = now() WHERE stage_id = :id RETURNING filename
			""";

	private static final String CLOSE = """
			UPDATE stage SET state = :state, closed_at = now(), closed_reason = :reason WHERE id = :id AND state = 'OPEN'
			""";

	private static final String DELETE_FILES = "DELETE FROM wheel WHERE stage_id = :id RETURNING filename";

	private static final String EXPIRED = "SELECT id FROM stage WHERE state = 'OPEN' AND expires_at < now() ORDER BY id";

	private static final String FILES = """
			SELECT filename, kind, sha256, size, stored_at, uploaded_by FROM wheel WHERE stage_id = :id ORDER BY filename
			""";

	private final JdbcClient jdbc;

	private final TransactionOperations transactions;

	private final ApplicationEventPublisher events;

	private final StagesProperties properties;

	public Stages(JdbcClient jdbc, TransactionOperations transactions, ApplicationEventPublisher events,
			StagesProperties properties) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.events = events;
		this.properties = properties;
	}

	/** The project's open stage, if it has one that has not expired. */
	public Optional<Stage> current(long projectId) {
		return this.jdbc.sql(OPEN_STAGE)
			.param("project", projectId)
			.query(Stage.class)
			.optional()
			.filter(Stage::isOpen);
	}

	/** The project's open stage, opened now if it has none (or only an expired one). */
	public Stage openStage(long projectId) {
		Optional<Stage> open = this.jdbc.sql(OPEN_STAGE).param("project", projectId).query(Stage.class).optional();
		if (open.isPresent() && open.get().expiresAt().isAfter(Instant.now())) {
			return open.get();
		}
		if (open.isPresent()) {
			discard(open.get(), "expired");
		}
		// Two uploads may race to open it: the unique index lets one win, both read it.
		this.jdbc.sql(OPEN)
			.param("project", projectId)
			.param("token", newToken())
			.param("expires", Timestamp.from(Instant.now().plus(this.properties.ttl())))
			.update();
		Stage stage = this.jdbc.sql(OPEN_STAGE).param("project", projectId).query(Stage.class).single();
		logger.info("Opened {} (expires {})", stage, stage.expiresAt());
		return stage;
	}

	/**
	 * The project's open stage (opened if needed), share-locked until the caller's
	 * transaction ends: a publish or discard waits for the rows the caller adds to it.
	 * Call it inside a transaction.
	 */
	public Stage lockOpenStage(long projectId) {
		for (int attempt = 0; attempt < 3; attempt++) {
			Stage stage = openStage(projectId);
			// Between the read and the lock it may have been published: then open anew.
			if (this.jdbc.sql(LOCK_SHARED).param("id", stage.id()).query(Long.class).optional().isPresent()) {
				return stage;
			}
		}
		throw new IllegalStateException("the project's stage kept closing while files were added to it");
	}

	public Optional<Stage> byToken(String token) {
		return this.jdbc.sql(BY_TOKEN).param("token", token).query(Stage.class).optional();
	}

	/** The project's newest stages, open or not, newest first. */
	public List<Stage> of(ProjectName project) {
		return this.jdbc.sql(OF_PROJECT).param("name", project.value()).query(Stage.class).list();
	}

	public List<StagedFile> files(long stageId) {
		return this.jdbc.sql(FILES).param("id", stageId).query(StagedFile.class).list();
	}

	/**
	 * Makes every file of the stage public in one transaction.
	 * @return the files published, or empty if the stage was no longer open (or expired)
	 */
	public Optional<List<String>> publish(Stage stage) {
		Optional<List<String>> published = this.transactions.execute((status) -> {
			if (!Stage.OPEN.equals(lock(stage.id()))) {
				return Optional.empty();
			}
			List<String> files = this.jdbc.sql(RELEASE_FILES).param("id", stage.id()).query(String.class).list();
			close(stage.id(), "PUBLISHED", "published");
			return Optional.of(files);
		});
		published.ifPresent((files) -> {
			logger.info("Published {}: {}", stage, files);
			this.events.publishEvent(new WheelsPublished(ProjectName.of(stage.project()), files));
		});
		return published;
	}

	/**
	 * Removes the stage's files from the farm (the filenames were never public, so they
	 * may be uploaded again). Their bytes are deleted by the retention job's sweep, which
	 * frees every blob no remaining file needs.
	 * @return the files removed, or empty if the stage was no longer open
	 */
	public Optional<List<String>> discard(Stage stage, String reason) {
		Optional<List<String>> discarded = this.transactions.execute((status) -> {
			String state = lock(stage.id());
			if (!Stage.OPEN.equals(state) && !"EXPIRED".equals(state)) {
				return Optional.empty();
			}
			List<String> files = this.jdbc.sql(DELETE_FILES).param("id", stage.id()).query(String.class).list();
			close(stage.id(), "DISCARDED", reason);
			return Optional.of(files);
		});
		discarded.ifPresent((files) -> logger.info("Discarded {} ({}): {}", stage, reason, files));
		return discarded;
	}

	/** Discards every open stage older than {@code wheelfarm.stages.ttl}. */
	public int discardExpired() {
		int discarded = 0;
		for (long id : this.jdbc.sql(EXPIRED).query(Long.class).list()) {
			Optional<Stage> stage = this.jdbc.sql(COLUMNS + " WHERE s.id = :id")
				.param("id", id)
				.query(Stage.class)
				.optional();
			if (stage.isPresent() && discard(stage.get(), "expired").isPresent()) {
				discarded++;
			}
		}
		return discarded;
	}

	/**
	 * Locks the stage's row and says its state, {@code EXPIRED} for an open one past its
	 * time.
	 */
	private String lock(long id) {
		return this.jdbc.sql(LOCK).param("id", id).query(String.class).optional().orElse("GONE");
	}

	private void close(long id, String state, String reason) {
		this.jdbc.sql(CLOSE).param("id", id).param("state", state).param("reason", reason).update();
	}

	/** 256 bits from the system's CSPRNG, URL-safe: the whole secret of a stage URL. */
	static String newToken() {
		byte[] bytes = new byte[32];
		RANDOM.nextBytes(bytes);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	/**
	 * A file waiting in a stage.
	 *
	 * @param filename its name
	 * @param kind {@code wheel} or {@code sdist}
	 * @param sha256 its hash
	 * @param size its size
	 * @param storedAt when it was stored
	 * @param uploadedBy who uploaded it, or {@code null} for a farm build
	 */
	public record StagedFile(String filename, String kind, String sha256, long size, Instant storedAt,
			String uploadedBy) {

	}

}
