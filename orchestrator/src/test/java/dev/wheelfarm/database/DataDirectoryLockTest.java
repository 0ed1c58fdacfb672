package dev.wheelfarm.database;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The lock within one process (two farms in one JVM); between processes it is
 * {@code e2e.faults.SecondStartTest}.
 */
class DataDirectoryLockTest {

	@TempDir
	Path dataDir;

	@Test
	void aDirectoryIsHeldOnceAndFreeAgainWhenReleased() throws Exception {
		long pid = ProcessHandle.current().pid();
		try (DataDirectoryLock lock = DataDirectoryLock.acquire(this.dataDir.resolve("new"))) {
			assertThat(lock.isHeld()).isTrue();
			assertThat(Files.readString(lock.directory().resolve("wheelfarm.lock"))).isEqualTo(pid + "\n");
			assertThatExceptionOfType(DataDirectoryInUseException.class)
				.isThrownBy(() -> DataDirectoryLock.acquire(this.dataDir.resolve("other/../new")))
				.withMessageContaining("The data directory " + this.dataDir.resolve("new"))
				.withMessageContaining("pid " + pid)
				.satisfies((refused) -> assertThat(refused.holderPid()).hasValue(pid));
			assertThat(lock.isHeld()).as("still held after the refusal").isTrue();
		}
		try (DataDirectoryLock again = DataDirectoryLock.acquire(this.dataDir.resolve("new"))) {
			assertThat(again.isHeld()).isTrue();
		}
	}

}
