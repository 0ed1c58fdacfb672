package dev.wheelfarm.artifacts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.shared.Sha256;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class LocalBlobStoreTest extends BlobStoreContract {

	@TempDir
	Path dataDir;

	private LocalBlobStore store;

	@BeforeEach
	void open() {
		this.store = new LocalBlobStore(new DataDirectoryProperties(this.dataDir));
	}

	@Override
	BlobStore store() {
		return this.store;
	}

	@Override
	void age(Sha256 sha256, Instant when) throws IOException {
		Files.setLastModifiedTime(this.store.path(sha256), FileTime.from(when));
	}

	@Override
	int leaveIncompleteWrites() throws IOException {
		Path directory = Files.createDirectories(this.dataDir.resolve("files/sha256/ab/cd"));
		Files.writeString(directory.resolve(".incoming-1.tmp"), "half a wheel");
		Files.writeString(directory.resolve(".incoming-2.tmp"), "another half");
		return 2;
	}

	@Test
	void bytesAreStoredUnderTheirHashOnceAndLeaveNoTemporaryFiles() throws IOException {
		byte[] bytes = "wheel bytes".getBytes();
		Sha256 sha256 = Sha256.digest(bytes);
		this.store.store(bytes, sha256);
		this.store.store(bytes, sha256);
		Path stored = this.dataDir.resolve("files/sha256/" + sha256.hex().substring(0, 2) + "/"
				+ sha256.hex().substring(2, 4) + "/" + sha256.hex());
		assertThat(this.store.path(sha256)).isEqualTo(stored);
		assertThat(Files.readAllBytes(stored)).isEqualTo(bytes);
		assertThat(Files.list(stored.getParent())).containsExactly(stored);
		assertThat(this.store.publicUri(sha256)).as("a directory has no public address").isEmpty();
	}

}
