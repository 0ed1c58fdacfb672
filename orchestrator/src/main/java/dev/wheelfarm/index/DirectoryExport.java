package dev.wheelfarm.index;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The export as a directory tree any web server serves unchanged. Every write goes to a
 * temporary file that is renamed over the old one.
 */
final class DirectoryExport implements ExportTarget {

	private static final String TEMPORARY = ".export-";

	private static final String PROVENANCE = "provenance";

	private final Path directory;

	DirectoryExport(Path directory) {
		this.directory = directory;
	}

	@Override
	public void begin() throws IOException {
		Files.createDirectories(this.directory.resolve("simple"));
	}

	@Override
	public boolean hasFile(String path) {
		return Files.isRegularFile(this.directory.resolve(path));
	}

	@Override
	public void writeFile(String path, InputStream content, long size) throws IOException {
		Path target = this.directory.resolve(path);
		Files.createDirectories(target.getParent());
		Path temporary = Files.createTempFile(target.getParent(), TEMPORARY, ".tmp");
		try {
			Files.copy(content, temporary, StandardCopyOption.REPLACE_EXISTING);
			move(temporary, target);
		}
		finally {
			Files.deleteIfExists(temporary);
		}
	}

	@Override
	public boolean writePage(String path, byte[] bytes, PageKind kind) throws IOException {
		Path target = this.directory.resolve(path);
		if (Files.isRegularFile(target) && Files.size(target) == bytes.length
				&& Arrays.equals(Files.readAllBytes(target), bytes)) {
			return false;
		}
		Files.createDirectories(target.getParent());
		Path temporary = Files.createTempFile(target.getParent(), TEMPORARY, ".tmp");
		try {
			Files.write(temporary, bytes);
			move(temporary, target);
			return true;
		}
		finally {
			Files.deleteIfExists(temporary);
		}
	}

	private static void move(Path temporary, Path target) throws IOException {
		// Temporary files are created owner-only; the web server serving the export
		// usually runs as another user and must be able to read what it serves.
		if (temporary.getFileSystem().supportedFileAttributeViews().contains("posix")) {
			Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
		}
		try {
			Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException ex) {
			throw new IOException("the export directory must allow atomic renames: " + target.getParent(), ex);
		}
		catch (FileAlreadyExistsException ex) {
			// Only for a content-addressed file another export wrote first: the same
			// bytes.
		}
	}

	@Override
	public Set<String> projects() throws IOException {
		Set<String> names = new HashSet<>();
		try (DirectoryStream<Path> children = Files.newDirectoryStream(this.directory.resolve("simple"),
				Files::isDirectory)) {
			for (Path child : children) {
				names.add(child.getFileName().toString());
			}
		}
		return names;
	}

	@Override
	public void deleteProject(String name) throws IOException {
		try (Stream<Path> walk = Files.walk(this.directory.resolve("simple").resolve(name))) {
			for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(path);
			}
		}
	}

	@Override
	public Set<String> files() throws IOException {
		return listed("files", 3, (name) -> !name.startsWith(TEMPORARY));
	}

	@Override
	public void deleteFile(String path) throws IOException {
		Path file = this.directory.resolve(path);
		Files.deleteIfExists(file);
		deleteIfEmpty(file.getParent());
	}

	@Override
	public Set<String> provenance() throws IOException {
		return listed("integrity", 4, PROVENANCE::equals);
	}

	@Override
	public void deleteProvenance(String path) throws IOException {
		Path object = this.directory.resolve(path);
		Files.deleteIfExists(object);
		// <filename>/, <version>/ and <project>/, as each empties; integrity/ stays.
		Path integrity = this.directory.resolve("integrity");
		for (Path parent = object.getParent(); !parent.equals(integrity); parent = parent.getParent()) {
			if (!deleteIfEmpty(parent)) {
				return;
			}
		}
	}

	/**
	 * The regular files {@code depth} levels below {@code top} whose names {@code wanted}
	 * accepts, as paths relative to the export.
	 */
	private Set<String> listed(String top, int depth, Predicate<String> wanted) throws IOException {
		Path root = this.directory.resolve(top);
		if (!Files.isDirectory(root)) {
			return Set.of();
		}
		Set<String> found = new HashSet<>();
		try (Stream<Path> walk = Files.walk(root, depth)) {
			for (Path path : walk.filter(Files::isRegularFile).toList()) {
				if (path.getNameCount() - root.getNameCount() == depth && wanted.test(path.getFileName().toString())) {
					found.add(this.directory.relativize(path).toString().replace('\\', '/'));
				}
			}
		}
		return found;
	}

	private static boolean deleteIfEmpty(Path directory) throws IOException {
		try (Stream<Path> children = Files.list(directory)) {
			if (children.findAny().isPresent()) {
				return false;
			}
		}
		try {
			Files.deleteIfExists(directory);
			return true;
		}
		catch (DirectoryNotEmptyException ex) {
			// A file of the same hash was exported meanwhile: the directory is needed.
			return false;
		}
	}

	@Override
	public String describe() {
		return this.directory.toString();
	}

}
