package dev.wheelfarm.builds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The full log of each build's newest collected run (table {@code build_log}), served at
 * {@code /builds/<id>/log}. A log longer than {@link #LIMIT_BYTES} keeps its head (how
 * the build was set up) and its tail (how it ended) with a line saying what was cut: a
 * runaway build cannot fill the database, and a maintainer still sees both ends.
 */
@Repository
public class BuildLogs {

	/** The most of one log the farm stores, in bytes. */
	public static final int LIMIT_BYTES = 2 * 1024 * 1024;

	/** Of a cut log, the bytes kept from its start; the rest of the limit is its end. */
	static final int HEAD_BYTES = 512 * 1024;

	private static final String STORE = """
			INSERT INTO build_log (build_id, attempt, content, original_bytes, truncated, stored_at)
			VALUES (:build, :attempt, :content, :originalBytes, :truncated, now())
			ON CONFLICT (build_id) DO UPDATE SET attempt = excluded.attempt, content = excluded.content,
			    original_bytes = excluded.original_bytes, truncated = excluded.truncated, stored_at = excluded.stored_at
			""";

	private static final String FIND = """
			SELECT build_id, attempt, content, original_bytes, truncated, stored_at FROM build_log WHERE build_id = :build
			""";

	private final JdbcClient jdbc;

	public BuildLogs(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Stores a run's log file, cut to the limit, in place of an earlier attempt's.
	 * @return whether there was a file to store
	 */
	public boolean store(long buildId, int attempt, Path logFile) {
		if (!Files.isRegularFile(logFile)) {
			return false;
		}
		try (SeekableByteChannel channel = Files.newByteChannel(logFile)) {
			long size = channel.size();
			if (size <= LIMIT_BYTES) {
				save(buildId, attempt, text(read(channel, 0, (int) size)), size, false);
			}
			else {
				byte[] head = read(channel, 0, HEAD_BYTES);
				int tailBytes = LIMIT_BYTES - HEAD_BYTES;
				byte[] tail = read(channel, size - tailBytes, tailBytes);
				save(buildId, attempt, text(head) + "\n[… " + (size - LIMIT_BYTES)
						+ " bytes of the log cut here: the farm keeps its first and last part …]\n" + text(tail), size,
						true);
			}
			return true;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read the log of build " + buildId, ex);
		}
	}

	/** Stores a log the engine gave as text (a run that left no log file of its own). */
	public void store(long buildId, int attempt, String log) {
		byte[] bytes = log.getBytes(StandardCharsets.UTF_8);
		String kept = (bytes.length <= LIMIT_BYTES) ? log
				: text(java.util.Arrays.copyOfRange(bytes, bytes.length - LIMIT_BYTES, bytes.length));
		save(buildId, attempt, kept, bytes.length, bytes.length > LIMIT_BYTES);
	}

	/** The stored log of a build, if any run of it left one. */
	public Optional<StoredLog> find(long buildId) {
		return this.jdbc.sql(FIND).param("build", buildId).query(StoredLog.class).optional();
	}

	private void save(long buildId, int attempt, String content, long originalBytes, boolean truncated) {
		this.jdbc.sql(STORE)
			.param("build", buildId)
			.param("attempt", attempt)
			.param("content", content)
			.param("originalBytes", originalBytes)
			.param("truncated", truncated)
			.update();
	}

	private static byte[] read(SeekableByteChannel channel, long position, int length) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(length);
		channel.position(position);
		while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
			// read until the buffer is full or the file ends
		}
		return java.util.Arrays.copyOf(buffer.array(), buffer.position());
	}

	/**
	 * The bytes as text: malformed UTF-8 (a cut through a character, a tool printing
	 * Latin-1) becomes U+FFFD, and NUL, which PostgreSQL's text refuses, is dropped.
	 */
	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8).replace("\u0000", "");
	}

	/**
	 * A stored log.
	 *
	 * @param buildId the build
	 * @param attempt the attempt whose run wrote it
	 * @param content the text, cut when {@code truncated}
	 * @param originalBytes the run's log size before any cut
	 * @param truncated whether the middle was cut
	 * @param storedAt when it was stored
	 */
	public record StoredLog(long buildId, int attempt, String content, long originalBytes, boolean truncated,
			Instant storedAt) {

	}

}
