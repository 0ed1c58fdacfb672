import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.tukaani.xz.FilterOptions;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.X86Options;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;

/**
 * Build step (run by exec-maven-plugin as a single-file program, never shipped): writes
 * the PostgreSQL archive the jar carries, made of the entries of zonky's archive that the
 * keep list names, recompressed with xz behind the x86 branch filter (machine code
 * compresses better once its jump targets are made relative).
 * <p>
 * Arguments: the zonky binaries jar, the keep list, the archive to write, this file. The
 * archive is left alone when it is newer than both inputs and this file, so that a test run does not
 * pay for a minute of xz every time.
 */
public final class TrimPostgresArchive {

	private static final String ARCHIVE_IN_JAR = "postgres-linux-x86_64.txz";

	public static void main(String[] args) throws IOException {
		if (args.length != 4) {
			throw new IllegalArgumentException(
					"usage: TrimPostgresArchive <zonky-binaries.jar> <keep-list> <out.txz> <this-source-file>");
		}
		Path zonkyJar = Path.of(args[0]);
		Path keepList = Path.of(args[1]);
		Path target = Path.of(args[2]);
		Path self = Path.of(args[3]);
		if (isUpToDate(target, zonkyJar, keepList, self)) {
			System.out.println("[trim-postgres] " + target + " is up to date");
			return;
		}
		List<Pattern> keep = readKeepList(keepList);
		Map<String, TarArchiveEntry> kept = new LinkedHashMap<>();
		Path partial = target.resolveSibling(target.getFileName() + ".partial");
		Files.createDirectories(target.getParent());
		long[] sizes = new long[2];
		try (InputStream archive = openArchive(zonkyJar);
				TarArchiveInputStream in = new TarArchiveInputStream(new XZInputStream(archive));
				OutputStream file = new BufferedOutputStream(Files.newOutputStream(partial));
				XZOutputStream xz = new XZOutputStream(file,
						new FilterOptions[] { new X86Options(), new LZMA2Options(LZMA2Options.PRESET_MAX) });
				TarArchiveOutputStream out = new TarArchiveOutputStream(xz)) {
			out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
			List<TarArchiveEntry> directories = new ArrayList<>();
			TarArchiveEntry entry;
			while ((entry = in.getNextEntry()) != null) {
				String name = stripSlash(entry.getName());
				sizes[0] += entry.getSize();
				if (entry.isDirectory()) {
					// Written once something below it is: an empty directory is dropped.
					directories.add(entry);
					continue;
				}
				if (!matches(keep, name)) {
					continue;
				}
				for (TarArchiveEntry directory : directories) {
					String dirName = stripSlash(directory.getName());
					if (name.startsWith(dirName + "/") && !kept.containsKey(dirName)) {
						out.putArchiveEntry(copyOf(directory));
						out.closeArchiveEntry();
						kept.put(dirName, directory);
					}
				}
				out.putArchiveEntry(copyOf(entry));
				if (entry.isFile()) {
					in.transferTo(out);
					sizes[1] += entry.getSize();
				}
				out.closeArchiveEntry();
				kept.put(name, entry);
			}
			out.finish();
		}
		checkEveryPatternMatched(keep);
		checkLinksResolve(kept);
		Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
		System.out.printf("[trim-postgres] %s: %d entries, %,d of %,d bytes unpacked, %,d bytes packed%n", target,
				kept.size(), sizes[1], sizes[0], Files.size(target));
	}

	private static boolean isUpToDate(Path target, Path... inputs) throws IOException {
		if (!Files.exists(target)) {
			return false;
		}
		long built = Files.getLastModifiedTime(target).toMillis();
		for (Path input : inputs) {
			if (!Files.isRegularFile(input) || Files.getLastModifiedTime(input).toMillis() > built) {
				return false;
			}
		}
		return true;
	}

	/** zonky ships the archive as the only resource of its jar. */
	private static InputStream openArchive(Path zonkyJar) throws IOException {
		ZipInputStream jar = new ZipInputStream(new BufferedInputStream(Files.newInputStream(zonkyJar)));
		ZipEntry entry;
		while ((entry = jar.getNextEntry()) != null) {
			if (entry.getName().equals(ARCHIVE_IN_JAR)) {
				return new BufferedInputStream(jar);
			}
		}
		jar.close();
		throw new IOException(zonkyJar + " holds no " + ARCHIVE_IN_JAR);
	}

	private static TarArchiveEntry copyOf(TarArchiveEntry entry) {
		TarArchiveEntry copy = entry.isSymbolicLink()
				? new TarArchiveEntry(entry.getName(), TarArchiveEntry.LF_SYMLINK) : new TarArchiveEntry(entry.getName());
		copy.setMode(entry.getMode());
		copy.setLastModifiedTime(entry.getLastModifiedTime());
		copy.setUserName("root");
		copy.setGroupName("root");
		if (entry.isSymbolicLink()) {
			copy.setLinkName(entry.getLinkName());
		}
		else if (entry.isFile()) {
			copy.setSize(entry.getSize());
		}
		return copy;
	}

	private static List<Pattern> readKeepList(Path keepList) throws IOException {
		List<Pattern> patterns = new ArrayList<>();
		for (String line : Files.readAllLines(keepList)) {
			String glob = line.strip();
			if (!glob.isEmpty() && !glob.startsWith("#")) {
				patterns.add(new Pattern(glob, FileSystems.getDefault().getPathMatcher("glob:" + glob)));
			}
		}
		return patterns;
	}

	private static boolean matches(List<Pattern> keep, String name) {
		boolean matched = false;
		for (Pattern pattern : keep) {
			if (pattern.matcher().matches(Path.of(name))) {
				pattern.used()[0] = true;
				matched = true;
			}
		}
		return matched;
	}

	/** A pattern that matches nothing means the archive changed under the keep list. */
	private static void checkEveryPatternMatched(List<Pattern> keep) throws IOException {
		for (Pattern pattern : keep) {
			if (!pattern.used()[0]) {
				throw new IOException("The keep list names " + pattern.glob() + " but the archive has no such entry");
			}
		}
	}

	/** A kept link whose target was dropped would unpack to a library that never loads. */
	private static void checkLinksResolve(Map<String, TarArchiveEntry> kept) throws IOException {
		for (TarArchiveEntry entry : kept.values()) {
			if (entry.isSymbolicLink()) {
				Path link = Path.of(stripSlash(entry.getName()));
				String target = link.resolveSibling(entry.getLinkName()).normalize().toString();
				if (!kept.containsKey(target)) {
					throw new IOException(link + " points to " + target + ", which the keep list drops");
				}
			}
		}
	}

	private static String stripSlash(String name) {
		return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
	}

	private record Pattern(String glob, PathMatcher matcher, boolean[] used) {

		Pattern(String glob, PathMatcher matcher) {
			this(glob, matcher, new boolean[1]);
		}

	}

}
