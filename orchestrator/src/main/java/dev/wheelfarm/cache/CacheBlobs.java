package dev.wheelfarm.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.shared.Sha256;

import org.springframework.stereotype.Component;

/**
 * Every way the cache touches the farm's blob store, in one place: the store is shared
 * with the farm's own wheels (content-addressed, so equal bytes are one blob), and this
 * is the one class to adapt when the store's interface changes.
 */
@Component
class CacheBlobs {

	private final BlobStore blobs;

	CacheBlobs(BlobStore blobs) {
		this.blobs = blobs;
	}

	/** The stored bytes, or empty when the blob is gone (deleted, or never stored). */
	Optional<InputStream> open(Sha256 sha256) throws IOException {
		try {
			return Optional.of(this.blobs.open(sha256));
		}
		catch (NoSuchFileException ex) {
			return Optional.empty();
		}
	}

	boolean contains(Sha256 sha256) {
		try {
			return this.blobs.contains(sha256);
		}
		catch (IOException ex) {
			// Unchecked so the check fits a stream filter; a store that cannot be read
			// fails the request, as a failing read of the bytes would.
			throw new UncheckedIOException(ex);
		}
	}

	/** Stores a downloaded file, which the store hashes again on the way in. */
	void store(Path downloaded, Sha256 sha256) throws IOException {
		this.blobs.store(downloaded, sha256);
	}

	/**
	 * Deletes a blob unless it was stored (or stored again) at or after {@code cutoff}: a
	 * farm ingest that stores the same bytes meanwhile keeps them.
	 */
	boolean deleteIfStoredBefore(Sha256 sha256, Instant cutoff) throws IOException {
		return this.blobs.deleteIfStoredBefore(sha256, cutoff);
	}

}
