package dev.wheelfarm.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;

import dev.wheelfarm.shared.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * What every {@link BlobStore} promises its callers (ingest, uploads, {@code /files/},
 * the export, the retention sweep), run against each implementation.
 */
abstract class BlobStoreContract {

	/**
	 * Larger than the S3 store's part size in these tests (5MB): stored in three parts.
	 */
	static final int LARGE = 11 * 1024 * 1024;

	@TempDir
	Path scratch;

	/** The store under test, empty. */
	abstract BlobStore store();

	/** Makes the blob look last stored at {@code when}, as if time had passed. */
	abstract void age(Sha256 sha256, Instant when) throws IOException;

	/** Leaves what a store that died half-way leaves behind; returns how many. */
	abstract int leaveIncompleteWrites() throws IOException;

	@Test
	void storedBytesReadBackWholeOrFromAnOffset() throws IOException {
		byte[] bytes = "wheel bytes, stored under their hash".getBytes();
		Sha256 sha256 = Sha256.digest(bytes);
		assertThat(store().contains(sha256)).isFalse();
		store().store(bytes, sha256);
		assertThat(store().contains(sha256)).isTrue();
		assertThat(store().size(sha256)).hasValue(bytes.length);
		try (InputStream in = store().open(sha256)) {
			assertThat(in.readAllBytes()).isEqualTo(bytes);
		}
		try (InputStream in = store().open(sha256, 6)) {
			assertThat(new String(in.readAllBytes())).isEqualTo("bytes, stored under their hash");
		}
		// Stored again (the same wheel under a second name): nothing changes.
		store().store(bytes, sha256);
		try (InputStream in = store().open(sha256)) {
			assertThat(in.readAllBytes()).isEqualTo(bytes);
		}
	}

	@Test
	void aFileIsStoredFromItsPathAndALargeOneRoundTrips() throws IOException {
		byte[] bytes = new byte[LARGE];
		new Random(16).nextBytes(bytes);
		Path file = Files.write(this.scratch.resolve("large.whl"), bytes);
		Sha256 sha256 = Sha256.digest(bytes);
		store().store(file, sha256);
		assertThat(store().size(sha256)).hasValue(LARGE);
		try (InputStream in = store().open(sha256)) {
			assertThat(Sha256.digest(in)).isEqualTo(sha256);
		}
	}

	@Test
	void bytesThatDoNotMatchTheirHashAreNotStored() throws IOException {
		Sha256 claimed = Sha256.digest("the verified bytes".getBytes());
		assertThatIOException().isThrownBy(() -> store().store("other bytes".getBytes(), claimed))
			.withMessageContaining("not " + claimed.hex());
		Path file = Files.writeString(this.scratch.resolve("changed.whl"), "changed after it was verified");
		assertThatIOException().isThrownBy(() -> store().store(file, claimed))
			.withMessageContaining("not " + claimed.hex());
		assertThat(store().contains(claimed)).isFalse();
		assertThat(store().storedBefore(Instant.now().plus(Duration.ofDays(1)))).isEmpty();
	}

	@Test
	void readingABlobThatIsNotStoredIsNoSuchFile() throws IOException {
		Sha256 missing = Sha256.digest("never stored".getBytes());
		assertThatExceptionOfType(NoSuchFileException.class).isThrownBy(() -> store().open(missing).close());
		assertThat(store().size(missing)).isEmpty();
	}

	@Test
	void aBlobIsDeletedOnlyWhenItWasStoredBeforeTheCutoffAndStoringAgainRenewsIt() throws IOException {
		byte[] bytes = "shared wheel bytes".getBytes();
		Sha256 sha256 = Sha256.digest(bytes);
		store().store(bytes, sha256);
		Instant longAgo = Instant.now().minus(Duration.ofDays(100));
		Instant cutoff = Instant.now().minus(Duration.ofHours(1));
		age(sha256, longAgo);
		assertThat(store().storedBefore(cutoff)).containsExactly(sha256);
		// Stored again (an ingest on its way to list the same bytes): the blob is fresh.
		store().store(bytes, sha256);
		assertThat(store().storedBefore(cutoff)).isEmpty();
		assertThat(store().deleteIfStoredBefore(sha256, cutoff)).isFalse();
		assertThat(store().contains(sha256)).isTrue();
		age(sha256, longAgo);
		assertThat(store().deleteIfStoredBefore(sha256, cutoff)).isTrue();
		assertThat(store().contains(sha256)).isFalse();
		assertThat(store().deleteIfStoredBefore(sha256, cutoff)).as("already gone").isFalse();
		// Storing after a deletion writes the bytes again.
		store().store(bytes, sha256);
		try (InputStream in = store().open(sha256)) {
			assertThat(in.readAllBytes()).isEqualTo(bytes);
		}
	}

	@Test
	void storedBeforeListsTheBlobsOlderThanTheCutoff() throws IOException {
		Sha256 old = stored("old bytes");
		Sha256 fresh = stored("fresh bytes");
		age(old, Instant.now().minus(Duration.ofDays(3)));
		assertThat(store().storedBefore(Instant.now().minus(Duration.ofDays(1)))).containsExactly(old);
		assertThat(store().storedBefore(Instant.now().plus(Duration.ofDays(1)))).containsExactlyInAnyOrder(old, fresh);
	}

	@Test
	void incompleteWritesAreDeletedOnlyOnceOlderThanTheCutoff() throws IOException {
		int left = leaveIncompleteWrites();
		assertThat(store().deleteIncompleteBefore(Instant.now().minus(Duration.ofHours(1)))).isZero();
		assertThat(store().deleteIncompleteBefore(Instant.now().plus(Duration.ofHours(1)))).isEqualTo(left);
		assertThat(store().deleteIncompleteBefore(Instant.now().plus(Duration.ofHours(1)))).isZero();
	}

	private Sha256 stored(String content) throws IOException {
		byte[] bytes = content.getBytes();
		Sha256 sha256 = Sha256.digest(bytes);
		store().store(bytes, sha256);
		return sha256;
	}

}
