package dev.wheelfarm.artifacts;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import dev.wheelfarm.shared.InvalidSdistFilenameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.SdistFilename;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.shared.Version;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarUtils;

import org.springframework.stereotype.Component;

/**
 * Checks an uploaded source distribution before it is stored (packaging.python.org
 * "Source distribution format"): a PEP 625 filename of the project and version, a gzip'd
 * tar whose members all sit in the one {@code {name}-{version}/} directory, no links, no
 * absolute or climbing paths, a {@code PKG-INFO} whose Name and Version match, and the
 * same size caps as a wheel. The archive is read, never unpacked: pip unpacks it later on
 * users' machines, so what is refused here never reaches them.
 */
@Component
public class SdistVerifier {

	private final ArtifactsProperties limits;

	public SdistVerifier(ArtifactsProperties limits) {
		this.limits = limits;
	}

	/**
	 * Verifies the sdist at {@code path} as a release of {@code project} {@code version}.
	 * @throws WheelRejectedException naming the first check that failed
	 */
	public VerifiedSdist verify(Path path, String filename, ProjectName project, String version)
			throws WheelRejectedException {
		SdistFilename name;
		try {
			name = SdistFilename.parse(filename, project);
		}
		catch (InvalidSdistFilenameException ex) {
			throw new WheelRejectedException(ex.getMessage(), ex);
		}
		Version expected = Version.tryParse(version).orElse(null);
		if (expected == null || name.version().isEmpty() || !name.version().get().equals(expected)) {
			reject(filename, "it names version " + name.rawVersion() + " but the upload is for " + version);
		}
		if (!name.isPep625()) {
			reject(filename, "an sdist must be named {name}-{version}.tar.gz with the normalized name and version"
					+ " (PEP 625), i.e. " + project.wheelPrefix() + "-" + expected + ".tar.gz");
		}
		long size;
		try {
			size = Files.size(path);
		}
		catch (IOException ex) {
			throw new WheelRejectedException(describe(filename) + " could not be read: " + ex.getMessage(), ex);
		}
		if (size > this.limits.maxWheelSize().toBytes()) {
			reject(filename,
					"it is " + size + " bytes, more than the limit of " + this.limits.maxWheelSize().toBytes());
		}
		String root = filename.substring(0, filename.length() - ".tar.gz".length()) + "/";
		byte[] pkgInfo = readPkgInfo(path, filename, root);
		Map<String, String> headers;
		try {
			headers = CoreMetadata.headers(pkgInfo);
		}
		catch (CharacterCodingException ex) {
			throw new WheelRejectedException(describe(filename) + ": PKG-INFO is not UTF-8", ex);
		}
		String declaredName = headers.get("name");
		if (declaredName == null || !ProjectName.isValid(declaredName)
				|| !ProjectName.of(declaredName).equals(project)) {
			reject(filename, "PKG-INFO names project " + WheelVerifier.quote(declaredName) + ", not " + project);
		}
		Optional<Version> declared = Optional.ofNullable(headers.get("version")).flatMap(Version::tryParse);
		if (declared.isEmpty() || !declared.get().equals(expected)) {
			reject(filename,
					"PKG-INFO names version " + WheelVerifier.quote(headers.get("version")) + ", not " + expected);
		}
		try (InputStream in = Files.newInputStream(path)) {
			return new VerifiedSdist(filename, Sha256.digest(in), size, headers.get("requires-python"));
		}
		catch (IOException ex) {
			throw new WheelRejectedException(describe(filename) + " could not be read: " + ex.getMessage(), ex);
		}
	}

	/** Walks every member, checking each, and returns {@code <root>PKG-INFO}. */
	private byte[] readPkgInfo(Path path, String filename, String root) throws WheelRejectedException {
		long cap = this.limits.maxUncompressedSize().toBytes();
		long metadataCap = this.limits.maxMetadataSize().toBytes();
		InputStream file;
		try {
			file = Files.newInputStream(path);
		}
		catch (IOException ex) {
			throw new WheelRejectedException(describe(filename) + " could not be read: " + ex.getMessage(), ex);
		}
		// The JDK's gzip reader, like Python's, reads a concatenated gzip as one stream.
		try (file;
				TarArchiveInputStream tar = new BoundedHeaders(new Capped(new GZIPInputStream(file, 64 * 1024), cap),
						metadataCap)) {
			byte[] pkgInfo = null;
			Set<String> seen = new HashSet<>();
			int entries = 0;
			TarArchiveEntry entry;
			while ((entry = tar.getNextEntry()) != null) {
				String member = entry.getName();
				if (++entries > this.limits.maxEntries()) {
					reject(filename, "it has more than " + this.limits.maxEntries() + " members");
				}
				checkMember(member, (char) entry.getLinkFlag(), root, filename);
				String normalized = member.endsWith("/") ? member.substring(0, member.length() - 1) : member;
				if (entry.getLinkFlag() != TarConstants.LF_DIR && !seen.add(normalized)) {
					reject(filename, "the member " + WheelVerifier.quote(member)
							+ " appears twice, so which copy is unpacked is" + " ambiguous");
				}
				if (normalized.equals(root + "PKG-INFO")) {
					pkgInfo = readData(tar, entry.getSize(), metadataCap, filename);
				}
				else if (tar.transferTo(OutputStream.nullOutputStream()) < entry.getSize()) {
					// Read, not skipped: the library notices a member cut short only
					// while
					// reading it, and the bytes are inflated either way.
					throw new EOFException("the archive is truncated");
				}
			}
			if (pkgInfo == null) {
				reject(filename, "it has no " + root + "PKG-INFO");
			}
			return pkgInfo;
		}
		catch (Refused ex) {
			throw new WheelRejectedException(describe(filename) + " refused: " + ex.getMessage(), ex);
		}
		catch (IOException | IllegalArgumentException ex) {
			// commons-compress reports a bad header, a checksum that does not match or a
			// truncated member as an IOException (an IllegalArgumentException for a few
			// malformed fields); the file itself was opened above, so the archive is at
			// fault.
			throw new WheelRejectedException(describe(filename) + " is not a valid .tar.gz archive: " + ex.getMessage(),
					ex);
		}
	}

	private static void checkMember(String member, char type, String root, String filename)
			throws WheelRejectedException {
		// Regular files and directories only: a link can point anywhere once unpacked,
		// and devices and FIFOs have no place in a source tree. commons-compress drops
		// the leading slashes of PAX and GNU long names, as pip (split_leading_dir) and
		// tarfile's data filter do when they unpack; a short absolute name reaches the
		// name check below as written.
		if (type != TarConstants.LF_NORMAL && type != TarConstants.LF_OLDNORM && type != TarConstants.LF_DIR
				&& type != TarConstants.LF_CONTIG) {
			reject(filename, "the member " + WheelVerifier.quote(member) + " is a link or special file (tar type '"
					+ type + "'); only files and directories are accepted");
		}
		String problem = ArchiveMemberNames.problemWith(member, "unpack directory");
		if (problem != null) {
			reject(filename, problem);
		}
		if (!member.startsWith(root) && !member.equals(root.substring(0, root.length() - 1))) {
			reject(filename,
					"the member " + WheelVerifier.quote(member) + " is outside the single top-level directory " + root);
		}
	}

	private static byte[] readData(InputStream in, long size, long cap, String filename)
			throws IOException, WheelRejectedException {
		if (size > cap) {
			reject(filename, "a header or PKG-INFO is larger than the limit of " + cap + " bytes");
		}
		byte[] data = in.readNBytes((int) size);
		if (data.length != size) {
			throw new EOFException("the archive is truncated");
		}
		return data;
	}

	private static void reject(String filename, String problem) throws WheelRejectedException {
		throw new WheelRejectedException(describe(filename) + " refused: " + problem);
	}

	private static String describe(String filename) {
		return "sdist " + WheelVerifier.quote(filename);
	}

	/**
	 * Counts the bytes the archive expands to and stops at the cap: a gzip bomb is
	 * refused before it is read to the end.
	 */
	private static final class Capped extends FilterInputStream {

		private final long cap;

		private long count;

		Capped(InputStream in, long cap) {
			super(in);
			this.cap = cap;
		}

		@Override
		public int read() throws IOException {
			int b = super.read();
			if (b >= 0) {
				count(1);
			}
			return b;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			int read = super.read(buffer, offset, length);
			if (read > 0) {
				count(read);
			}
			return read;
		}

		@Override
		public long skip(long n) throws IOException {
			// Skipped bytes are decompressed all the same: read them so they are counted.
			byte[] buffer = new byte[(int) Math.min(n, 64 * 1024)];
			int read = read(buffer, 0, buffer.length);
			return Math.max(read, 0);
		}

		private void count(long read) throws IOException {
			this.count += read;
			if (this.count > this.cap) {
				throw new Refused("it expands to more than " + this.cap + " bytes (a gzip bomb?)");
			}
		}

	}

	/**
	 * Refuses a PAX extended header or a GNU long name larger than the metadata cap
	 * before commons-compress reads it into memory (the library bounds such a header only
	 * by what the archive expands to), and an archive without its end-of-archive block.
	 */
	private static final class BoundedHeaders extends TarArchiveInputStream {

		private static final int TYPE_OFFSET = TarConstants.NAMELEN + TarConstants.MODELEN + TarConstants.UIDLEN
				+ TarConstants.GIDLEN + TarConstants.SIZELEN + TarConstants.MODTIMELEN + TarConstants.CHKSUMLEN;

		private static final int SIZE_OFFSET = TarConstants.NAMELEN + TarConstants.MODELEN + TarConstants.UIDLEN
				+ TarConstants.GIDLEN;

		private final long cap;

		private boolean ended;

		BoundedHeaders(InputStream in, long cap) {
			// Member names in plain headers are UTF-8 in every sdist tool we know of;
			// PAX names are UTF-8 by definition.
			super(in, StandardCharsets.UTF_8.name());
			this.cap = cap;
		}

		@Override
		protected byte[] readRecord() throws IOException {
			byte[] record = super.readRecord();
			if (record == null) {
				// The library takes a short read for the end; an archive cut off before
				// its end-of-archive block is a truncated upload, not a complete one.
				if (!this.ended) {
					throw new Refused("the tar archive ends without its end-of-archive blocks");
				}
				return null;
			}
			if (isEOFRecord(record)) {
				this.ended = true;
				return record;
			}
			byte type = record[TYPE_OFFSET];
			if (type == TarConstants.LF_PAX_EXTENDED_HEADER_LC || type == TarConstants.LF_PAX_EXTENDED_HEADER_UC
					|| type == TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER || type == TarConstants.LF_GNUTYPE_LONGNAME
					|| type == TarConstants.LF_GNUTYPE_LONGLINK) {
				long size;
				try {
					size = TarUtils.parseOctalOrBinary(record, SIZE_OFFSET, TarConstants.SIZELEN);
				}
				catch (IllegalArgumentException ex) {
					// The library parses the header next and reports it as malformed.
					return record;
				}
				if (size > this.cap) {
					throw new Refused("a header or PKG-INFO is larger than the limit of " + this.cap + " bytes");
				}
			}
			return record;
		}

	}

	/** What the archive does that the checks refuse, found while the library reads it. */
	private static final class Refused extends IOException {

		private static final long serialVersionUID = 1L;

		Refused(String problem) {
			super(problem);
		}

	}

}
