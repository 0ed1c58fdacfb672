package dev.wheelfarm.dispatch.github;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Unpacks an artifact zip that a build job produced. The job ran a maintainer's code, so
 * the archive is hostile until proven otherwise: no entry may leave the directory
 * (absolute paths, {@code ..}, drive letters, backslashes), no file is overwritten, and
 * the number of entries and the bytes written are capped whatever the zip headers claim,
 * so a zip bomb stops at the cap.
 */
final class ArtifactUnpacker {

	private final long maxTotalBytes;

	private final int maxEntries;

	ArtifactUnpacker(long maxTotalBytes, int maxEntries) {
		this.maxTotalBytes = maxTotalBytes;
		this.maxEntries = maxEntries;
	}

	/**
	 * @return the number of files written
	 */
	int unpack(InputStream zip, Path directory) throws IOException {
		Path root = directory.toAbsolutePath().normalize();
		Files.createDirectories(root);
		long written = 0;
		int entries = 0;
		byte[] buffer = new byte[64 * 1024];
		try (ZipInputStream in = new ZipInputStream(zip)) {
			for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
				if (++entries > this.maxEntries) {
					throw new UnsafeArtifactException("more than " + this.maxEntries + " entries");
				}
				Path target = resolve(root, entry.getName());
				if (entry.isDirectory()) {
					Files.createDirectories(target);
					continue;
				}
				Files.createDirectories(target.getParent());
				try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
					for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
						written += n;
						if (written > this.maxTotalBytes) {
							throw new UnsafeArtifactException("more than " + this.maxTotalBytes + " bytes unpacked");
						}
						out.write(buffer, 0, n);
					}
				}
			}
		}
		return entries;
	}

	private static Path resolve(Path root, String name) throws UnsafeArtifactException {
		if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.contains(":")
				|| name.indexOf('\0') >= 0) {
			throw new UnsafeArtifactException("entry name not allowed: " + printable(name));
		}
		for (String segment : name.split("/")) {
			if (segment.equals("..")) {
				throw new UnsafeArtifactException("entry leaves the directory: " + printable(name));
			}
		}
		Path target = root.resolve(name).normalize();
		if (!target.startsWith(root) || target.equals(root)) {
			throw new UnsafeArtifactException("entry leaves the directory: " + printable(name));
		}
		return target;
	}

	// The name came from the build job: keep control characters out of our logs.
	private static String printable(String name) {
		String shown = name.replaceAll("\\p{Cntrl}", "?");
		return (shown.length() > 200) ? shown.substring(0, 200) + "…" : shown;
	}

	/** The artifact breaks one of the rules above; nothing in it is to be trusted. */
	static final class UnsafeArtifactException extends IOException {

		private static final long serialVersionUID = 1L;

		UnsafeArtifactException(String message) {
			super("Unsafe artifact: " + message);
		}

	}

}
