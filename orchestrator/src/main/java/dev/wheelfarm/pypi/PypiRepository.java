package dev.wheelfarm.pypi;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.wheelfarm.shared.Version;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The watcher's rows: per-project cursors, releases and files as last seen, and the
 * change log. Everything one project's page implies is written in one transaction, the
 * serial last, so a crash leaves either the old state or the new one.
 */
@Repository
class PypiRepository {

	/** An opted-in project and where the watcher stands for it. */
	record WatchedProject(long id, String name, String settings, Long lastSerial, String etag, boolean hasLiveReleases,
			boolean failedLastTime) {

	}

	/** The root listing's cursor. */
	record GlobalCursor(long lastSerial, String etag, Instant reconciledAt) {

	}

	private static final String OPTED_IN = """
			SELECT p.id, p.name, p.settings::text AS settings, c.last_serial, c.etag,
			       EXISTS (SELECT 1 FROM release r WHERE r.project_id = p.id AND r.deleted_at IS NULL)
			           AS has_live_releases,
			       c.last_error IS NOT NULL AS failed_last_time
			FROM project p LEFT JOIN pypi_cursor c ON c.project_id = p.id
			WHERE p.optin_state = 'OPTED_IN'
			ORDER BY p.id
			""";

	// Serialises two replicas working on the same project; the second then sees the
	// first's serial and refuses its own older page.
	private static final String LOCK_PROJECT = "SELECT id FROM project WHERE id = :id FOR UPDATE";

	private static final String CURSOR_SERIAL = "SELECT last_serial FROM pypi_cursor WHERE project_id = :id";

	private static final String STORED = """
			SELECT r.id AS release_id, r.version, r.yanked AS release_yanked,
			       r.yanked_reason AS release_yanked_reason, r.deleted_at IS NOT NULL AS release_deleted,
			       f.id AS file_id, f.filename, f.kind, f.url, f.sha256, f.size, f.upload_time,
			       f.requires_python, f.yanked, f.yanked_reason, f.deleted_at IS NOT NULL AS file_deleted
			FROM release r LEFT JOIN pypi_file f ON f.release_id = r.id
			WHERE r.project_id = :id
			ORDER BY r.id, f.id
			""";

	// What the farm serves for a release is what an upstream wheel would shadow.
	private static final String FARM_VERSIONS = """
			SELECT DISTINCT version FROM wheel WHERE project_id = :id AND withdrawn_at IS NULL
			""";

	private static final String UPSERT_RELEASE = """
			INSERT INTO release (project_id, version, pep440, yanked, yanked_reason)
			VALUES (:project, :version, :pep440, :yanked, :reason)
			ON CONFLICT (project_id, version) DO UPDATE
			SET yanked = EXCLUDED.yanked, yanked_reason = EXCLUDED.yanked_reason, deleted_at = NULL
			RETURNING id
			""";

	private static final String INSERT_FILE = """
			INSERT INTO pypi_file (release_id, filename, kind, url, sha256, size, upload_time, requires_python,
			                       yanked, yanked_reason)
			VALUES (:release, :filename, :kind, :url, :sha256, :size, :uploadTime, :requiresPython, :yanked, :reason)
			""";

	// sha256 and size are not updated: a filename names the same bytes forever, on PyPI
	// too.
	private static final String UPDATE_FILE = """
			UPDATE pypi_file
			SET url = :url, upload_time = :uploadTime, requires_python = :requiresPython,
			    yanked = :yanked, yanked_reason = :reason, deleted_at = NULL
			WHERE id = :id
			""";

	private static final String DELETE_FILE = "UPDATE pypi_file SET deleted_at = now() WHERE id = :id";

	private static final String DELETE_RELEASE = """
			UPDATE release SET deleted_at = now() WHERE id = :id
			""";

	private static final String DELETE_RELEASE_FILES = """
			UPDATE pypi_file SET deleted_at = now() WHERE release_id = :id AND deleted_at IS NULL
			""";

	private static final String INSERT_CHANGE = """
			INSERT INTO pypi_change (project_id, kind, version, filename, detail, serial)
			VALUES (:project, :kind, :version, :filename, :detail::jsonb, :serial)
			""";

	private static final String UNDELIVERED_CHANGES = """
			SELECT c.id, p.name AS project, c.kind, c.version, c.filename, c.detail::text AS detail
			FROM pypi_change c JOIN project p ON p.id = c.project_id
			WHERE c.delivered_at IS NULL
			ORDER BY c.id
			""";

	private static final String MARK_DELIVERED = """
			UPDATE pypi_change SET delivered_at = now() WHERE id IN (:ids) AND delivered_at IS NULL
			""";

	private static final String MARK_PROJECT_DELIVERED = """
			UPDATE pypi_change SET delivered_at = now() WHERE project_id = :project AND delivered_at IS NULL
			""";

	private static final String ACCEPT_PAGE = """
			INSERT INTO pypi_cursor (project_id, last_serial, etag, last_error, last_error_at, last_warning, checked_at)
			VALUES (:id, :serial, :etag, NULL, NULL, :warning, now())
			ON CONFLICT (project_id) DO UPDATE
			SET last_serial = EXCLUDED.last_serial, etag = EXCLUDED.etag, last_error = NULL,
			    last_error_at = NULL, last_warning = EXCLUDED.last_warning, checked_at = now()
			""";

	private static final String NOT_MODIFIED = """
			UPDATE pypi_cursor SET last_error = NULL, last_error_at = NULL, checked_at = now() WHERE project_id = :id
			""";

	// A failed read never moves the serial: the next cycle asks again.
	private static final String RECORD_ERROR = """
			INSERT INTO pypi_cursor (project_id, last_serial, last_error, last_error_at, checked_at)
			VALUES (:id, 0, :error, now(), now())
			ON CONFLICT (project_id) DO UPDATE
			SET last_error = EXCLUDED.last_error, last_error_at = now(), checked_at = now()
			""";

	private static final String GLOBAL_CURSOR = """
			SELECT last_serial, etag, reconciled_at FROM pypi_global_cursor WHERE id
			""";

	private static final String SAVE_GLOBAL_CURSOR = """
			INSERT INTO pypi_global_cursor (id, last_serial, etag, reconciled_at, checked_at)
			VALUES (true, :serial, :etag, :reconciledAt, now())
			ON CONFLICT (id) DO UPDATE
			SET last_serial = GREATEST(pypi_global_cursor.last_serial, EXCLUDED.last_serial),
			    etag = coalesce(EXCLUDED.etag, pypi_global_cursor.etag),
			    reconciled_at = coalesce(EXCLUDED.reconciled_at, pypi_global_cursor.reconciled_at),
			    checked_at = now()
			""";

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	private final JsonMapper json = JsonMapper.builder().build();

	PypiRepository(JdbcClient jdbc, PlatformTransactionManager transactionManager) {
		this.jdbc = jdbc;
		this.transactions = new TransactionTemplate(transactionManager);
		// Each project commits on its own, even when the batch step runs in a
		// transaction.
		this.transactions.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
	}

	List<WatchedProject> optedInProjects() {
		return this.jdbc.sql(OPTED_IN)
			.query((rs, row) -> new WatchedProject(rs.getLong("id"), rs.getString("name"), rs.getString("settings"),
					(Long) rs.getObject("last_serial"), rs.getString("etag"), rs.getBoolean("has_live_releases"),
					rs.getBoolean("failed_last_time")))
			.list();
	}

	Optional<GlobalCursor> globalCursor() {
		return this.jdbc.sql(GLOBAL_CURSOR)
			.query((rs, row) -> new GlobalCursor(rs.getLong("last_serial"), rs.getString("etag"),
					instant(rs.getTimestamp("reconciled_at"))))
			.optional();
	}

	void saveGlobalCursor(long serial, String etag, Instant reconciledAt) {
		this.jdbc.sql(SAVE_GLOBAL_CURSOR)
			.param("serial", Math.max(serial, 0))
			.param("etag", etag)
			.param("reconciledAt", (reconciledAt != null) ? Timestamp.from(reconciledAt) : null)
			.update();
	}

	/**
	 * Records one accepted page (or, with {@code snapshot} null, a project PyPI no longer
	 * has) and returns what changed. All or nothing.
	 * @throws PypiReadException when the page is older than what is already recorded
	 */
	List<PypiChange> apply(WatchedProject project, ProjectSnapshot snapshot, String etag, long serial) {
		return this.transactions.execute((status) -> {
			this.jdbc.sql(LOCK_PROJECT).param("id", project.id()).query(Long.class).single();
			long recorded = this.jdbc.sql(CURSOR_SERIAL)
				.param("id", project.id())
				.query(Long.class)
				.optional()
				.orElse(-1L);
			if (serial < recorded) {
				throw new PypiReadException(
						"stale page: serial " + serial + " is older than " + recorded + " already recorded", true);
			}
			StoredProject stored = load(project.id(), recorded);
			Map<String, List<ProjectSnapshot.FileSnapshot>> now = (snapshot != null) ? snapshot.releases() : Map.of();
			List<PypiChange> changes = ChangeDetector.detect(project.name(), stored, now,
					WatchSettings.fromJson(project.settings()), farmVersions(project.id()));
			List<String> warnings = new java.util.ArrayList<>((snapshot != null) ? snapshot.warnings() : List.of());
			writeReleases(project.id(), stored, now, warnings);
			for (PypiChange change : changes) {
				insertChange(project.id(), change, serial);
			}
			this.jdbc.sql(ACCEPT_PAGE)
				.param("id", project.id())
				.param("serial", Math.max(serial, Math.max(recorded, 0)))
				.param("etag", etag)
				.param("warning", warnings.isEmpty() ? null : String.join("; ", warnings))
				.update();
			return changes;
		});
	}

	void recordNotModified(long projectId) {
		this.jdbc.sql(NOT_MODIFIED).param("id", projectId).update();
	}

	void recordError(long projectId, String message) {
		String bounded = (message.length() > 2000) ? message.substring(0, 2000) + "…" : message;
		this.transactions.executeWithoutResult(
				(status) -> this.jdbc.sql(RECORD_ERROR).param("id", projectId).param("error", bounded).update());
	}

	private Set<String> farmVersions(long projectId) {
		return new HashSet<>(this.jdbc.sql(FARM_VERSIONS).param("id", projectId).query(String.class).list());
	}

	private StoredProject load(long projectId, long serial) {
		Map<String, StoredProject.Release> releases = new LinkedHashMap<>();
		this.jdbc.sql(STORED).param("id", projectId).query((ResultSet rs) -> {
			String version = rs.getString("version");
			StoredProject.Release release = releases.computeIfAbsent(version, (v) -> releaseRow(rs, v));
			long fileId = rs.getLong("file_id");
			if (!rs.wasNull()) {
				release.files().put(rs.getString("filename"), fileRow(rs, fileId));
			}
		});
		return new StoredProject(serial, releases);
	}

	private static StoredProject.Release releaseRow(ResultSet rs, String version) {
		try {
			return new StoredProject.Release(rs.getLong("release_id"), version, rs.getBoolean("release_yanked"),
					rs.getString("release_yanked_reason"), rs.getBoolean("release_deleted"), new LinkedHashMap<>());
		}
		catch (SQLException ex) {
			throw new IllegalStateException("could not read a release row", ex);
		}
	}

	private static StoredProject.File fileRow(ResultSet rs, long id) throws SQLException {
		return new StoredProject.File(id, rs.getString("filename"), ProjectSnapshot.Kind.ofColumn(rs.getString("kind")),
				rs.getString("url"), rs.getString("sha256"), rs.getLong("size"),
				instant(rs.getTimestamp("upload_time")), rs.getString("requires_python"), rs.getBoolean("yanked"),
				rs.getString("yanked_reason"), rs.getBoolean("file_deleted"));
	}

	// Writes only what differs, so an unchanged project costs reads and no row churn.
	private void writeReleases(long projectId, StoredProject stored,
			Map<String, List<ProjectSnapshot.FileSnapshot>> now, List<String> warnings) {
		for (Map.Entry<String, List<ProjectSnapshot.FileSnapshot>> entry : now.entrySet()) {
			String version = entry.getKey();
			List<ProjectSnapshot.FileSnapshot> files = entry.getValue();
			StoredProject.Release before = stored.releases().get(version);
			boolean yanked = ChangeDetector.releaseYanked(files);
			String reason = ChangeDetector.yankReason(files);
			long releaseId;
			if (before == null || before.deleted() || before.yanked() != yanked
					|| !Objects.equals(before.yankedReason(), reason)) {
				releaseId = this.jdbc.sql(UPSERT_RELEASE)
					.param("project", projectId)
					.param("version", version)
					.param("pep440", Version.tryParse(version).isPresent())
					.param("yanked", yanked)
					.param("reason", reason)
					.query(Long.class)
					.single();
			}
			else {
				releaseId = before.id();
			}
			Map<String, StoredProject.File> filesBefore = (before != null) ? before.files() : Map.of();
			for (ProjectSnapshot.FileSnapshot file : files) {
				writeFile(releaseId, filesBefore.get(file.filename()), file, warnings);
			}
			for (StoredProject.File old : filesBefore.values()) {
				if (!old.deleted() && files.stream().noneMatch((f) -> f.filename().equals(old.filename()))) {
					this.jdbc.sql(DELETE_FILE).param("id", old.id()).update();
				}
			}
		}
		for (StoredProject.Release release : stored.releases().values()) {
			if (!release.deleted() && !now.containsKey(release.version())) {
				this.jdbc.sql(DELETE_RELEASE).param("id", release.id()).update();
				this.jdbc.sql(DELETE_RELEASE_FILES).param("id", release.id()).update();
			}
		}
	}

	private void writeFile(long releaseId, StoredProject.File before, ProjectSnapshot.FileSnapshot file,
			List<String> warnings) {
		if (before == null) {
			this.jdbc.sql(INSERT_FILE)
				.param("release", releaseId)
				.param("filename", file.filename())
				.param("kind", file.kind().column())
				.param("url", file.url())
				.param("sha256", file.sha256())
				.param("size", file.size())
				.param("uploadTime", (file.uploadTime() != null) ? Timestamp.from(file.uploadTime()) : null)
				.param("requiresPython", file.requiresPython())
				.param("yanked", file.yanked())
				.param("reason", file.yankedReason())
				.update();
			return;
		}
		if (!before.sha256().equals(file.sha256()) || before.size() != file.size()) {
			warnings.add(file.filename() + " changed its sha256 or size on PyPI; the first ones are kept");
		}
		boolean same = !before.deleted() && before.url().equals(file.url())
				&& Objects.equals(before.uploadTime(), file.uploadTime())
				&& Objects.equals(before.requiresPython(), file.requiresPython()) && before.yanked() == file.yanked()
				&& Objects.equals(before.yankedReason(), file.yankedReason());
		if (!same) {
			this.jdbc.sql(UPDATE_FILE)
				.param("id", before.id())
				.param("url", file.url())
				.param("uploadTime", (file.uploadTime() != null) ? Timestamp.from(file.uploadTime()) : null)
				.param("requiresPython", file.requiresPython())
				.param("yanked", file.yanked())
				.param("reason", file.yankedReason())
				.update();
		}
	}

	/**
	 * Changes recorded but not yet heard by every listener (the process died between the
	 * commit and the publication, or a listener failed), oldest first, as the events they
	 * were.
	 */
	List<DeliverableChange> undeliveredChanges() {
		return this.jdbc.sql(UNDELIVERED_CHANGES)
			.query((row, number) -> new DeliverableChange(row.getLong("id"),
					change(row.getString("project"), row.getString("kind"), row.getString("version"),
							row.getString("filename"), this.json.readTree(row.getString("detail")))))
			.list();
	}

	void markDelivered(List<Long> changeIds) {
		if (!changeIds.isEmpty()) {
			this.jdbc.sql(MARK_DELIVERED).param("ids", changeIds).update();
		}
	}

	/** Every change of the project recorded so far has been published. */
	void markDelivered(long projectId) {
		this.jdbc.sql(MARK_PROJECT_DELIVERED).param("project", projectId).update();
	}

	/** The event a {@code pypi_change} row records ({@link #insertChange} in reverse). */
	private static PypiChange change(String project, String kind, String version, String filename, JsonNode detail) {
		return switch (kind) {
			case "RELEASE_DISCOVERED" -> new ReleaseDiscovered(project, version, text(detail, "sdist_filename"),
					text(detail, "sdist_url"), text(detail, "sdist_sha256"), text(detail, "requires_python"));
			case "RELEASE_YANK_CHANGED" ->
				new ReleaseYankChanged(project, version, detail.path("yanked").asBoolean(), text(detail, "reason"));
			case "RELEASE_DELETED" -> new ReleaseDeleted(project, version);
			case "FILE_DELETED" -> new FileDeleted(project, version, filename);
			case "UPSTREAM_WHEEL_APPEARED" ->
				new UpstreamWheelAppeared(project, version, filename, text(detail, "sha256"));
			default -> throw new IllegalStateException("pypi_change of unknown kind " + kind);
		};
	}

	private static String text(JsonNode detail, String field) {
		JsonNode value = detail.path(field);
		return (value.isMissingNode() || value.isNull()) ? null : value.asString();
	}

	/** A recorded change and its row. */
	record DeliverableChange(long id, PypiChange change) {

	}

	private void insertChange(long projectId, PypiChange change, long serial) {
		ObjectNode detail = this.json.createObjectNode();
		if (change instanceof ReleaseDiscovered discovered) {
			detail.put("sdist_url", discovered.sdistUrl());
			detail.put("sdist_sha256", discovered.sdistSha256());
			detail.put("sdist_filename", discovered.sdistFilename());
			detail.put("requires_python", discovered.requiresPython());
		}
		else if (change instanceof ReleaseYankChanged yank) {
			detail.put("yanked", yank.yanked());
			detail.put("reason", yank.reason());
		}
		else if (change instanceof UpstreamWheelAppeared wheel) {
			detail.put("sha256", wheel.sha256());
		}
		this.jdbc.sql(INSERT_CHANGE)
			.param("project", projectId)
			.param("kind", change.kind())
			.param("version", change.version())
			.param("filename", change.filename())
			.param("detail", this.json.writeValueAsString(detail))
			.param("serial", Math.max(serial, 0))
			.update();
	}

	private static Instant instant(Timestamp timestamp) {
		return (timestamp != null) ? timestamp.toInstant() : null;
	}

}
