package dev.wheelfarm.artifacts;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
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
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.wheelfarm.database.DataDirectoryProperties;
import dev.wheelfarm.shared.Sha256;

/**
 * The default {@link BlobStore}: bytes stored by their sha256 under
 * {@code <data-dir>/files/sha256/ab/cd/<hex>}. Storing is idempotent and atomic (written
 * to a temporary file in the same directory, synced, then renamed), so a crash leaves
 * either nothing or the whole blob, and storing the same bytes twice is a no-op. A blob's
 * name is its hash: it can never change under a reader.
 */
public class LocalBlobStore implements BlobStore {

	/** How a partial write is named until it is complete and renamed to its hash. */
	private static final String INCOMING = ".incoming-";

	private static final Pattern BLOB_NAME = Pattern.compile("[0-9a-f]{64}");

	private final Path root;

	public LocalBlobStore(DataDirectoryProperties dataDirectory) {
		this.root = dataDirectory.dataDir().resolve("files").resolve("sha256");
	}

	/**
	 * Where the blob with this hash lives (it may not exist): for tests and the copy to a
	 * bucket, which read the directory itself.
	 */
	public Path path(Sha256 sha256) {
		String hex = sha256.hex();
		return this.root.resolve(hex.substring(0, 2)).resolve(hex.substring(2, 4)).resolve(hex);
	}

	@Override
	public boolean contains(Sha256 sha256) {
		return Files.isRegularFile(path(sha256));
	}

	@Override
	public OptionalLong size(Sha256 sha256) throws IOException {
		try {
			return OptionalLong.of(Files.size(path(sha256)));
		}
		catch (NoSuchFileException ex) {
			return OptionalLong.empty();
		}
	}

	@Override
	public void store(Path source, Sha256 expected) throws IOException {
		try (InputStream in = Files.newInputStream(source)) {
			store(in, expected);
		}
	}

	@Override
	public void store(byte[] bytes, Sha256 expected) throws IOException {
		store(new ByteArrayInputStream(bytes), expected);
	}

	@Override
	public InputStream open(Sha256 sha256) throws IOException {
		return Files.newInputStream(path(sha256));
	}

	@Override
	public InputStream open(Sha256 sha256, long offset) throws IOException {
		SeekableByteChannel channel = Files.newByteChannel(path(sha256));
		channel.position(offset);
		return Channels.newInputStream(channel);
	}

	/** A directory has no public address: the farm serves the bytes itself. */
	@Override
	public Optional<URI> publicUri(Sha256 sha256) {
		return Optional.empty();
	}

	@Override
	public String describe() {
		return "the directory " + this.root;
	}

	private void store(InputStream in, Sha256 expected) throws IOException {
		Path target = path(expected);
		if (Files.isRegularFile(target) && touch(target)) {
			return;
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
				throw new BlobHashMismatchException(actual, expected);
			}
			try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
				channel.force(true);
			}
			move(temporary, target);
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

	@Override
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

	@Override
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

	@Override
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
