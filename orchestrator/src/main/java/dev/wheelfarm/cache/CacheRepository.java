package dev.wheelfarm.cache;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The cache's rows: upstream pages as received, and the files it holds. */
@Repository
class CacheRepository {

	private static final String PAGE = """
			SELECT project, etag, body, fetched_at, checked_at FROM cache_page WHERE project = :project
			""";

	private static final String SAVE_PAGE = """
			INSERT INTO cache_page (project, etag, body, fetched_at, checked_at)
			VALUES (:project, :etag, :body, :now, :now)
			ON CONFLICT (project) DO UPDATE SET etag = :etag, body = :body, fetched_at = :now, checked_at = :now
			""";

	private static final String CONFIRM_PAGE = """
			UPDATE cache_page SET checked_at = greatest(checked_at, :now) WHERE project = :project
			""";

	private static final String FORGET_PAGE = "DELETE FROM cache_page WHERE project = :project";

	private static final String PROJECTS = "SELECT project FROM cache_page ORDER BY project";

	private static final String FILE = """
			SELECT file_sha256, filename, sha256, project, size FROM cache_file
			WHERE file_sha256 = :file AND filename = :filename
			""";

	// A row written twice (two replicas fetched the same file) keeps one row: same hash,
	// same bytes.
	private static final String SAVE_FILE = """
			INSERT INTO cache_file (file_sha256, filename, sha256, project, size, stored_at, last_used_at)
			VALUES (:file, :filename, :sha256, :project, :size, :now, :now)
			ON CONFLICT (file_sha256, filename) DO UPDATE SET last_used_at = :now
			""";

	// Written at most once a minute per file: a hit need not cost a write, and the LRU
	// order does not need finer time than that.
	private static final String USED = """
			UPDATE cache_file SET last_used_at = :now
			WHERE file_sha256 = :file AND filename = :filename AND last_used_at < CAST(:now AS timestamptz) - interval '1 minute'
			""";

	private static final String FORGET_FILE = "DELETE FROM cache_file WHERE file_sha256 = :file AND filename = :filename";

	private static final String TOTAL_SIZE = "SELECT coalesce(sum(size), 0) FROM cache_file";

	private static final String LEAST_RECENTLY_USED = """
			SELECT file_sha256, filename, sha256, project, size FROM cache_file
			ORDER BY last_used_at, file_sha256, filename LIMIT :limit
			""";

	// Whether anything else still needs the bytes of an evicted file: another cached row
	// with the same bytes (two wheels with one METADATA), or a file of the farm's own
	// (listed, staged or withdrawn: anything but a tombstone).
	private static final String BLOB_NEEDED = """
			SELECT EXISTS (SELECT 1 FROM cache_file WHERE sha256 = :hash)
			    OR EXISTS (SELECT 1 FROM wheel WHERE removed_at IS NULL AND (sha256 = :hash OR metadata_sha256 = :hash))
			""";

	private final JdbcClient jdbc;

	CacheRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	Optional<StoredPage> page(String project) {
		return this.jdbc.sql(PAGE).param("project", project).query(StoredPage.class).optional();
	}

	void savePage(String project, String etag, byte[] body, Instant now) {
		this.jdbc.sql(SAVE_PAGE)
			.param("project", project)
			.param("etag", etag)
			.param("body", body)
			.param("now", Timestamp.from(now))
			.update();
	}

	void confirmPage(String project, Instant now) {
		this.jdbc.sql(CONFIRM_PAGE).param("project", project).param("now", Timestamp.from(now)).update();
	}

	void forgetPage(String project) {
		this.jdbc.sql(FORGET_PAGE).param("project", project).update();
	}

	List<String> projects() {
		return this.jdbc.sql(PROJECTS).query(String.class).list();
	}

	Optional<StoredFile> file(String fileSha256, String filename) {
		return this.jdbc.sql(FILE)
			.param("file", fileSha256)
			.param("filename", filename)
			.query(StoredFile.class)
			.optional();
	}

	void saveFile(StoredFile file, Instant now) {
		this.jdbc.sql(SAVE_FILE)
			.param("file", file.fileSha256())
			.param("filename", file.filename())
			.param("sha256", file.sha256())
			.param("project", file.project())
			.param("size", file.size())
			.param("now", Timestamp.from(now))
			.update();
	}

	void used(StoredFile file, Instant now) {
		this.jdbc.sql(USED)
			.param("file", file.fileSha256())
			.param("filename", file.filename())
			.param("now", Timestamp.from(now))
			.update();
	}

	void forgetFile(StoredFile file) {
		this.jdbc.sql(FORGET_FILE).param("file", file.fileSha256()).param("filename", file.filename()).update();
	}

	long totalSize() {
		return this.jdbc.sql(TOTAL_SIZE).query(Long.class).single();
	}

	List<StoredFile> leastRecentlyUsed(int limit) {
		return this.jdbc.sql(LEAST_RECENTLY_USED).param("limit", limit).query(StoredFile.class).list();
	}

	boolean blobNeeded(String sha256) {
		return this.jdbc.sql(BLOB_NEEDED).param("hash", sha256).query(Boolean.class).single();
	}

	/** An upstream page as stored. */
	record StoredPage(String project, String etag, byte[] body, OffsetDateTime fetchedAt, OffsetDateTime checkedAt) {

	}

	/**
	 * A file the cache holds.
	 *
	 * @param fileSha256 the listed file's hash, which its URL carries
	 * @param filename the listed filename, or {@code <file>.metadata}
	 * @param sha256 the stored bytes' hash (the blob)
	 * @param project the project whose page lists it
	 * @param size its length in bytes
	 */
	record StoredFile(String fileSha256, String filename, String sha256, String project, long size) {

	}

}
