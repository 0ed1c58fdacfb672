package dev.wheelfarm.artifacts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.shared.Sha256;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

class BlobStoreTest {

	@TempDir
	Path dataDir;

	private BlobStore store;

	@BeforeEach
	void open() {
		this.store = new BlobStore(new DataDirectoryProperties(this.dataDir));
	}

	@Test
	void bytesAreStoredUnderTheirHashOnceAndLeaveNoTemporaryFiles() throws IOException {
		byte[] bytes = "wheel bytes".getBytes();
		Sha256 sha256 = Sha256.digest(bytes);
		Path stored = this.store.store(bytes, sha256);
		assertThat(stored).isEqualTo(this.dataDir.resolve("files/sha256/" + sha256.hex().substring(0, 2) + "/"
				+ sha256.hex().substring(2, 4) + "/" + sha256.hex()));
		assertThat(this.store.store(bytes, sha256)).isEqualTo(stored);
		assertThat(Files.readAllBytes(stored)).isEqualTo(bytes);
		assertThat(Files.list(stored.getParent())).containsExactly(stored);
	}

	@Test
	void bytesThatDoNotMatchTheirHashAreNotStored() {
		Sha256 claimed = Sha256.digest("the verified bytes".getBytes());
		assertThatIOException().isThrownBy(() -> this.store.store("other bytes".getBytes(), claimed))
			.withMessageContaining("not " + claimed.hex());
		assertThat(this.store.contains(claimed)).isFalse();
		assertThat(Files.exists(this.store.path(claimed).getParent())).isTrue();
		assertThat(this.store.path(claimed).getParent().toFile().list()).isEmpty();
	}

	@Test
	void aBlobIsDeletedOnlyWhenItWasStoredBeforeTheCutoffAndStoringAgainRenewsIt() throws IOException {
		byte[] bytes = "shared wheel bytes".getBytes();
		Sha256 sha256 = Sha256.digest(bytes);
		Path stored = this.store.store(bytes, sha256);
		Instant longAgo = Instant.now().minus(Duration.ofDays(100));
		Files.setLastModifiedTime(stored, FileTime.from(longAgo));
		Instant cutoff = Instant.now().minus(Duration.ofHours(1));
		// Stored again (an ingest on its way to list the same bytes): the blob is fresh.
		this.store.store(bytes, sha256);
		assertThat(this.store.deleteIfStoredBefore(sha256, cutoff)).isFalse();
		assertThat(this.store.contains(sha256)).isTrue();
		Files.setLastModifiedTime(stored, FileTime.from(longAgo));
		assertThat(this.store.deleteIfStoredBefore(sha256, cutoff)).isTrue();
		assertThat(this.store.contains(sha256)).isFalse();
		assertThat(this.store.deleteIfStoredBefore(sha256, cutoff)).as("already gone").isFalse();
		// Storing after a deletion writes the bytes again.
		assertThat(Files.readAllBytes(this.store.store(bytes, sha256))).isEqualTo(bytes);
	}

}
