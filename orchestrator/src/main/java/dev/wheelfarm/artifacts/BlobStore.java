package dev.wheelfarm.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.shared.Sha256;

import org.springframework.stereotype.Component;

/**
 * Bytes stored by their sha256 under {@code <data-dir>/files/sha256/ab/cd/<hex>}. Storing
 * is idempotent and atomic (written to a temporary file in the same directory, synced,
 * then renamed), so a crash leaves either nothing or the whole blob, and storing the same
 * bytes twice is a no-op. A blob's name is its hash: it can never change under a reader.
 */
@Component
public class BlobStore {

	/** How a partial write is named until it is complete and renamed to its hash. */
	private static final String INCOMING = ".incoming-";

	private static final Pattern BLOB_NAME = Pattern.compile("[0-9a-f]{64}");

	private final Path root;

	public BlobStore(DataDirectoryProperties dataDirectory) {
		this.root = dataDirectory.dataDir().resolve("files").resolve("sha256");
	}

	/** Where the blob with this hash lives (it may not exist). */
	public Path path(Sha256 sha256) {
		String hex = sha256.hex();
		return this.root.resolve(hex.substring(0, 2)).resolve(hex.substring(2, 4)).resolve(hex);
	}

	public boolean contains(Sha256 sha256) {
		return Files.isRegularFile(path(sha256));
	}

	/**
	 * Copies {@code source} into the store.
	 * @throws IOException if it cannot be written, or its bytes do not hash to
	 * {@code expected} (it changed since it was verified)
	 */
	public Path store(Path source, Sha256 expected) throws IOException {
		try (InputStream in = Files.newInputStream(source)) {
			return store(in, expected);
		}
	}

	/** Stores {@code bytes}, which must hash to {@code expected}. */
	public Path store(byte[] bytes, Sha256 expected) throws IOException {
		return store(new java.io.ByteArrayInputStream(bytes), expected);
	}

	private Path store(InputStream in, Sha256 expected) throws IOException {
		Path target = path(expected);
		if (Files.isRegularFile(target) && touch(target)) {
			return target;
		}
		Files.createDirectories(target.getParent());
		Path temporary = Files.createTempFile(target.getParent(), INCOMING, ".tmp");
		try {
			Sha256.Hasher digest = Sha256.hasher();
			try (OutputStream out = digest.writingTo(Files.newOutputStream(temporary))) {
				in.transferTo(out);
			}
			Sha256 actual = digest.finish();
			if (!actual.equals(expected)) {
				throw new IOException("the bytes hash to " + actual.hex() + ", not " + expected.hex());
			}
			try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
				channel.force(true);
			}
			move(temporary, target);
			return target;
		}
		finally {
			Files.deleteIfExists(temporary);
		}
	}

	/**
	 * Marks an existing blob as stored now, so that {@link #deleteIfStoredBefore}, run
	 * while an ingest is between storing these bytes and listing them, leaves them alone.
	 * @return false when the blob vanished meanwhile (it is then written again)
	 */
	private static boolean touch(Path target) throws IOException {
		try {
			Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
			return true;
		}
		catch (NoSuchFileException ex) {
			return false;
		}
	}

	/**
	 * Every blob last stored before {@code cutoff}, for a sweep that compares the store
	 * with what the database still lists.
	 */
	public List<Sha256> storedBefore(Instant cutoff) throws IOException {
		if (!Files.isDirectory(this.root)) {
			return List.of();
		}
		try (Stream<Path> files = Files.find(this.root, 3,
				(path, attributes) -> attributes.isRegularFile()
						&& BLOB_NAME.matcher(path.getFileName().toString()).matches()
						&& attributes.lastModifiedTime().toInstant().isBefore(cutoff))) {
			return files.map((path) -> Sha256.of(path.getFileName().toString())).toList();
		}
	}

	/**
	 * Deletes the partial writes of stores that never finished (the process died while
	 * copying), once they are older than {@code cutoff}.
	 * @return how many were deleted
	 */
	public int deleteIncompleteBefore(Instant cutoff) throws IOException {
		if (!Files.isDirectory(this.root)) {
			return 0;
		}
		List<Path> abandoned;
		try (Stream<Path> files = Files.find(this.root, 3,
				(path, attributes) -> attributes.isRegularFile() && path.getFileName().toString().startsWith(INCOMING)
						&& attributes.lastModifiedTime().toInstant().isBefore(cutoff))) {
			abandoned = files.toList();
		}
		int deleted = 0;
		for (Path file : abandoned) {
			if (Files.deleteIfExists(file)) {
				deleted++;
			}
		}
		return deleted;
	}

	/**
	 * Deletes a blob that no row needs any more, unless it was stored (or stored again)
	 * at or after {@code cutoff}: an ingest stores bytes before it lists them, so a blob
	 * that looks unreferenced but was stored a moment ago may be about to be listed.
	 * @return whether a blob was deleted
	 */
	public boolean deleteIfStoredBefore(Sha256 sha256, Instant cutoff) throws IOException {
		Path blob = path(sha256);
		try {
			if (!Files.getLastModifiedTime(blob).toInstant().isBefore(cutoff)) {
				return false;
			}
		}
		catch (NoSuchFileException ex) {
			return false;
		}
		return Files.deleteIfExists(blob);
	}

	private static void move(Path temporary, Path target) throws IOException {
		try {
			Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (FileAlreadyExistsException ex) {
			// Another writer stored the same hash first: same name, same bytes.
		}
		catch (AtomicMoveNotSupportedException ex) {
			throw new UncheckedIOException("the blob store needs atomic renames within " + target.getParent(), ex);
		}
	}

}
