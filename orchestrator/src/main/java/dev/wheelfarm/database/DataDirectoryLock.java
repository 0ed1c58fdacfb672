package dev.wheelfarm.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;

/**
 * The running farm's claim on its data directory: an operating-system lock on
 * {@code <data-dir>/wheelfarm.lock}, held for the life of the process and released by the
 * kernel when the process ends, however it ends ({@code kill -9} included). The file
 * holds the owner's pid, so that a second start can name it.
 * <p>
 * Everything that takes over what a previous process left behind (its PostgreSQL, its
 * local runs) may do so only while holding this lock: a free lock is the proof that the
 * previous owner is gone.
 */
public final class DataDirectoryLock implements AutoCloseable {

	/** The lock file's name in the data directory. */
	public static final String FILE_NAME = "wheelfarm.lock";

	static final String BEAN_NAME = "wheelfarm.dataDirectoryLock";

	/**
	 * The directories this JVM holds. POSIX record locks belong to the process, so a
	 * second lock on the same file from this JVM would not fail, and closing any
	 * descriptor of the file would drop the first one: the check must happen here.
	 */
	private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

	private final Path directory;

	private final FileChannel channel;

	private final FileLock lock;

	private DataDirectoryLock(Path directory, FileChannel channel, FileLock lock) {
		this.directory = directory;
		this.channel = channel;
		this.lock = lock;
	}

	/**
	 * Locks the data directory (created if missing) for this process.
	 * @param dataDir the data directory
	 * @return the held lock
	 * @throws DataDirectoryInUseException if another process (or another farm in this
	 * one) holds it; nothing in the directory has been changed then
	 */
	public static DataDirectoryLock acquire(Path dataDir) {
		Path directory = dataDir.toAbsolutePath().normalize();
		if (!HELD_HERE.add(directory)) {
			throw new DataDirectoryInUseException(directory, OptionalLong.of(ProcessHandle.current().pid()));
		}
		boolean held = false;
		try {
			Files.createDirectories(directory);
			Path file = directory.resolve(FILE_NAME);
			FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
					StandardOpenOption.WRITE);
			FileLock lock;
			try {
				lock = channel.tryLock();
			}
			catch (IOException | RuntimeException ex) {
				// Not handled here: the descriptor is closed, the failure goes on.
				channel.close();
				throw ex;
			}
			if (lock == null) {
				channel.close();
				throw new DataDirectoryInUseException(directory, holder(file));
			}
			// Only the owner writes: a refused start leaves the file as it found it.
			channel.truncate(0);
			channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
					0);
			channel.force(false);
			held = true;
			return new DataDirectoryLock(directory, channel, lock);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not lock the data directory " + directory, ex);
		}
		finally {
			// Whatever refused the lock, this JVM's claim on the directory is undone.
			if (!held) {
				HELD_HERE.remove(directory);
			}
		}
	}

	/**
	 * The lock registered in this bean factory, taken (and registered, to be released
	 * when the context closes) if there is none yet.
	 */
	static DataDirectoryLock heldFor(DefaultSingletonBeanRegistry registry, Path dataDir) {
		if (registry.containsSingleton(BEAN_NAME)) {
			return (DataDirectoryLock) registry.getSingleton(BEAN_NAME);
		}
		DataDirectoryLock lock = acquire(dataDir);
		registry.registerSingleton(BEAN_NAME, lock);
		registry.registerDisposableBean(BEAN_NAME, lock::close);
		return lock;
	}

	/** The pid the owner wrote; empty if it has not written it yet (or it is garbled). */
	private static OptionalLong holder(Path file) {
		try {
			return OptionalLong.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip()));
		}
		catch (NoSuchFileException | NumberFormatException ex) {
			return OptionalLong.empty();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read " + file, ex);
		}
	}

	/** The locked data directory (absolute, normalized). */
	public Path directory() {
		return this.directory;
	}

	/** Whether this process still holds the lock. */
	public boolean isHeld() {
		return this.lock.isValid();
	}

	@Override
	public void close() {
		if (!this.channel.isOpen()) {
			return;
		}
		try {
			// The pid file stays: a stale pid in a file nobody has locked is harmless,
			// and
			// deleting it could race with the next owner's lock.
			this.lock.release();
			this.channel.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not release the lock on " + this.directory, ex);
		}
		finally {
			HELD_HERE.remove(this.directory);
		}
	}

}
