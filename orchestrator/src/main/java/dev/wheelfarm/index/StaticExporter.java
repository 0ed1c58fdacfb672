package dev.wheelfarm.index;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import dev.wheelfarm.artifacts.BlobStore;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;

import org.springframework.stereotype.Component;

/**
 * Writes the whole index as files that any web server serves unchanged:
 * {@code simple/index.html|json}, {@code simple/<name>/index.html|json} and
 * {@code files/<ab>/<sha256>/<filename>[.metadata]} — the same bytes and relative links
 * the application serves. Incremental: a page is rewritten only when its bytes changed, a
 * file is copied only once (its path is its hash). Every write goes to a temporary file
 * that is renamed over the old one, and files are exported before the pages that link to
 * them, so a reader never sees half a page or a link to a missing file. Likewise, the
 * copies of removed files are deleted only after the pages stopped linking to them.
 */
@Component
class StaticExporter {

	static final String HTML = "index.html";

	static final String JSON = "index.json";

	private final IndexPages pages;

	private final IndexRepository repository;

	private final BlobStore blobs;

	StaticExporter(IndexPages pages, IndexRepository repository, BlobStore blobs) {
		this.pages = pages;
		this.repository = repository;
		this.blobs = blobs;
	}

	/**
	 * Brings {@code directory} up to date.
	 * @return what changed
	 */
	Report export(Path directory) throws IOException {
		Path simple = directory.resolve("simple");
		Files.createDirectories(simple);
		int rewritten = 0;
		int unchanged = 0;
		int copied = 0;
		List<String> hosted = this.pages.hostedNames();
		for (String name : hosted) {
			Optional<ProjectPage> page = this.pages.page(new ProjectName(name));
			if (page.isEmpty()) {
				// Stopped being hosted between the two queries: the removal below handles
				// it.
				continue;
			}
			copied += exportFiles(directory, page.get());
			RenderedPage rendered = new RenderedPage(new HtmlRenderer().project(page.get()),
					new JsonRenderer().project(page.get()));
			Path projectDirectory = simple.resolve(name);
			Files.createDirectories(projectDirectory);
			boolean html = writePage(projectDirectory.resolve(HTML), rendered.html(), rendered.htmlGzip());
			boolean json = writePage(projectDirectory.resolve(JSON), rendered.json(), rendered.jsonGzip());
			if (html || json) {
				rewritten++;
			}
			else {
				unchanged++;
			}
		}
		RenderedPage root = this.pages.root();
		writePage(simple.resolve(HTML), root.html(), root.htmlGzip());
		writePage(simple.resolve(JSON), root.json(), root.jsonGzip());
		int removed = removeUnhosted(simple, new HashSet<>(hosted));
		int filesDeleted = removeDeletedFiles(directory.resolve("files"), this.repository.liveFiles());
		return new Report(rewritten, unchanged, removed, copied, filesDeleted);
	}

	private int exportFiles(Path directory, ProjectPage page) throws IOException {
		int copied = 0;
		for (IndexFile file : page.files()) {
			if (!file.hosted()) {
				// PyPI's file: it stays on PyPI, the page links there.
				continue;
			}
			Optional<IndexRepository.StoredWheel> stored = this.repository.storedWheel(file.sha256(), file.filename());
			if (stored.isEmpty()) {
				continue;
			}
			Path wheel = directory.resolve(IndexUrls.filePath(file.sha256(), file.filename()));
			Path metadata = wheel.resolveSibling(wheel.getFileName() + ".metadata");
			copied += copyOnce(Sha256.of(stored.get().sha256()), wheel);
			if (stored.get().metadataSha256() != null) {
				// Wheels only: an sdist's PKG-INFO is not served as PEP 658 metadata.
				copied += copyOnce(Sha256.of(stored.get().metadataSha256()), metadata);
			}
		}
		return copied;
	}

	private int copyOnce(Sha256 blob, Path target) throws IOException {
		if (Files.isRegularFile(target)) {
			return 0;
		}
		Files.createDirectories(target.getParent());
		Path temporary = Files.createTempFile(target.getParent(), ".export-", ".tmp");
		try {
			try (InputStream in = this.blobs.open(blob)) {
				Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING);
			}
			move(temporary, target);
			return 1;
		}
		finally {
			Files.deleteIfExists(temporary);
		}
	}

	/**
	 * Writes a page and its {@code .gz} twin (what nginx's {@code gzip_static} and most
	 * CDNs serve to clients that accept gzip). The plain file is written last, so a
	 * reader never finds a new page beside an old compressed one for long.
	 */
	private static boolean writePage(Path target, byte[] bytes, byte[] gzipped) throws IOException {
		boolean compressed = write(target.resolveSibling(target.getFileName() + ".gz"), gzipped);
		return write(target, bytes) || compressed;
	}

	/** Replaces {@code target} with {@code bytes} unless it already holds them. */
	private static boolean write(Path target, byte[] bytes) throws IOException {
		if (Files.isRegularFile(target) && Files.size(target) == bytes.length
				&& Arrays.equals(Files.readAllBytes(target), bytes)) {
			return false;
		}
		Path temporary = Files.createTempFile(target.getParent(), ".export-", ".tmp");
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
		// usually
		// runs as another user and must be able to read what it serves.
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

	private static int removeUnhosted(Path simple, Set<String> hosted) throws IOException {
		int removed = 0;
		try (DirectoryStream<Path> children = Files.newDirectoryStream(simple, Files::isDirectory)) {
			for (Path child : children) {
				if (!hosted.contains(child.getFileName().toString())) {
					deleteTree(child);
					removed++;
				}
			}
		}
		return removed;
	}

	/**
	 * Deletes the copies of files that were removed from the farm (and their metadata),
	 * after the pages that linked to them were rewritten. Run on every export rather than
	 * only after a removal, so that an export that failed or a process that died in
	 * between still converges at the next export.
	 * @param live every file that is not removed, as {@code <sha256>/<filename>}, read
	 * after the pages were written
	 */
	private static int removeDeletedFiles(Path files, Set<String> live) throws IOException {
		if (!Files.isDirectory(files)) {
			return 0;
		}
		int deleted = 0;
		try (Stream<Path> walk = Files.walk(files, 3)) {
			for (Path path : walk.filter(Files::isRegularFile).toList()) {
				String name = path.getFileName().toString();
				if (name.startsWith(".export-") || path.getNameCount() - files.getNameCount() != 3) {
					continue;
				}
				String wheel = name.endsWith(".metadata") ? name.substring(0, name.length() - ".metadata".length())
						: name;
				if (!live.contains(path.getParent().getFileName() + "/" + wheel)) {
					Files.deleteIfExists(path);
					deleted++;
					deleteIfEmpty(path.getParent());
				}
			}
		}
		return deleted;
	}

	private static void deleteIfEmpty(Path directory) throws IOException {
		try (Stream<Path> children = Files.list(directory)) {
			if (children.findAny().isPresent()) {
				return;
			}
		}
		try {
			Files.deleteIfExists(directory);
		}
		catch (java.nio.file.DirectoryNotEmptyException ex) {
			// A file of the same hash was exported meanwhile: the directory is needed.
		}
	}

	private static void deleteTree(Path directory) throws IOException {
		try (Stream<Path> walk = Files.walk(directory)) {
			for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(path);
			}
		}
	}

	/**
	 * What one export did.
	 *
	 * @param rewritten projects whose pages changed
	 * @param unchanged projects left as they were
	 * @param removed projects no longer hosted whose pages were deleted
	 * @param filesCopied wheels and metadata files copied
	 * @param filesDeleted copies of removed files (and their metadata) deleted
	 */
	record Report(int rewritten, int unchanged, int removed, int filesCopied, int filesDeleted) {

	}

}
