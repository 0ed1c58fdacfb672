package dev.wheelfarm.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import dev.wheelfarm.shared.Sha256;

/**
 * Bytes stored by their sha256: the wheels, sdists and PEP 658 metadata files the farm
 * lists. A blob's name is its hash, so it never changes under a reader; it is written
 * once, after its bytes were checked against the hash, and a second store of the same
 * bytes only marks it as stored again. Two implementations: {@link LocalBlobStore} (a
 * directory under the data directory, the default) and {@link S3BlobStore} (an
 * S3-compatible bucket, for replicas that share no disk), chosen by
 * {@code wheelfarm.blobs.store}.
 * <p>
 * Every failure of the store (a full disk, a bucket answering 503, a timeout) is an
 * {@link IOException}: callers list nothing whose bytes were not stored, and answer a
 * read that failed with a 503.
 */
public interface BlobStore {

	/** Whether the blob with this hash is stored. */
	default boolean contains(Sha256 sha256) throws IOException {
		return size(sha256).isPresent();
	}

	/** The size of the stored blob in bytes, or empty when no blob has this hash. */
	OptionalLong size(Sha256 sha256) throws IOException;

	/**
	 * Stores the bytes of {@code source}, which must hash to {@code expected}.
	 * @throws IOException if they cannot be written, or do not hash to {@code expected}
	 * (the file changed since it was verified): nothing is stored then
	 */
	void store(Path source, Sha256 expected) throws IOException;

	/** Stores {@code bytes}, which must hash to {@code expected}. */
	void store(byte[] bytes, Sha256 expected) throws IOException;

	/**
	 * Reads a blob. The caller closes the stream.
	 * @throws java.nio.file.NoSuchFileException if no blob has this hash
	 * @throws IOException if the store cannot be read
	 */
	InputStream open(Sha256 sha256) throws IOException;

	/**
	 * Reads a blob from {@code offset} on (an HTTP range request), without reading what
	 * comes before it.
	 */
	InputStream open(Sha256 sha256, long offset) throws IOException;

	/**
	 * Where a client can fetch the blob directly (a CDN in front of the bucket), when the
	 * store has a public address.
	 */
	Optional<URI> publicUri(Sha256 sha256);

	/**
	 * Every blob last stored before {@code cutoff}, for a sweep that compares the store
	 * with what the database still lists.
	 */
	List<Sha256> storedBefore(Instant cutoff) throws IOException;

	/**
	 * Deletes the partial writes of stores that never finished (the process died while
	 * copying: temporary files, or multipart uploads never completed), once they are
	 * older than {@code cutoff}.
	 * @return how many were deleted
	 */
	int deleteIncompleteBefore(Instant cutoff) throws IOException;

	/**
	 * Deletes a blob that no row needs any more, unless it was stored (or stored again)
	 * at or after {@code cutoff}: an ingest stores bytes before it lists them, so a blob
	 * that looks unreferenced but was stored a moment ago may be about to be listed.
	 * @return whether a blob was deleted
	 */
	boolean deleteIfStoredBefore(Sha256 sha256, Instant cutoff) throws IOException;

	/** Where the blobs are, for logs and messages (never a credential). */
	String describe();

}
