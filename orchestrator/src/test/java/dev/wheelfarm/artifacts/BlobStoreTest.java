package dev.wheelfarm.artifacts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.shared.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

class BlobStoreTest {

	@TempDir
	Path dataDir;

	@Test
	void bytesAreStoredUnderTheirHashOnceAndLeaveNoTemporaryFiles() throws IOException {
		BlobStore store = new BlobStore(new DataDirectoryProperties(this.dataDir));
		byte[] bytes = "wheel bytes".getBytes();
		Sha256 sha256 = Sha256.digest(bytes);
		Path stored = store.store(bytes, sha256);
		assertThat(stored).isEqualTo(this.dataDir.resolve("files/sha256/" + sha256.hex().substring(0, 2) + "/"
				+ sha256.hex().substring(2, 4) + "/" + sha256.hex()));
		assertThat(store.store(bytes, sha256)).isEqualTo(stored);
		assertThat(Files.readAllBytes(stored)).isEqualTo(bytes);
		assertThat(Files.list(stored.getParent())).containsExactly(stored);
	}

	@Test
	void bytesThatDoNotMatchTheirHashAreNotStored() {
		BlobStore store = new BlobStore(new DataDirectoryProperties(this.dataDir));
		Sha256 claimed = Sha256.digest("the verified bytes".getBytes());
		assertThatIOException().isThrownBy(() -> store.store("other bytes".getBytes(), claimed))
			.withMessageContaining("not " + claimed.hex());
		assertThat(store.contains(claimed)).isFalse();
		assertThat(Files.exists(store.path(claimed).getParent())).isTrue();
		assertThat(store.path(claimed).getParent().toFile().list()).isEmpty();
	}

}
