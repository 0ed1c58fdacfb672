package dev.wheelfarm.artifacts;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

import dev.wheelfarm.shared.InvalidSdistFilenameException;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.SdistFilename;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.shared.Version;

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

	private static final int BLOCK = 512;

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
		try (InputStream in = new Capped(new GZIPInputStream(Files.newInputStream(path), 64 * 1024), cap)) {
			byte[] pkgInfo = null;
			Set<String> seen = new HashSet<>();
			String longName = null;
			String paxPath = null;
			int entries = 0;
			byte[] header = new byte[BLOCK];
			while (true) {
				if (!readBlock(in, header)) {
					reject(filename, "the tar archive ends without its end-of-archive blocks");
				}
				if (isZero(header)) {
					break;
				}
				checkChecksum(header, filename);
				char type = (char) header[156];
				long size = octal(header, 124, 12, filename);
				if (type == 'x' || type == 'g' || type == 'L') {
					byte[] data = readData(in, size, this.limits.maxMetadataSize().toBytes(), filename);
					if (type == 'L') {
						longName = cString(data, 0, data.length);
					}
					else if (type == 'x') {
						paxPath = paxPath(data, filename);
					}
					continue;
				}
				String member = (paxPath != null) ? paxPath : (longName != null) ? longName : ustarName(header);
				paxPath = null;
				longName = null;
				if (++entries > this.limits.maxEntries()) {
					reject(filename, "it has more than " + this.limits.maxEntries() + " members");
				}
				checkMember(member, type, root, filename);
				String normalized = member.endsWith("/") ? member.substring(0, member.length() - 1) : member;
				if (type != '5' && !seen.add(normalized)) {
					reject(filename, "the member " + WheelVerifier.quote(member)
							+ " appears twice, so which copy is unpacked is" + " ambiguous");
				}
				if (normalized.equals(root + "PKG-INFO")) {
					pkgInfo = readData(in, size, this.limits.maxMetadataSize().toBytes(), filename);
				}
				else {
					skip(in, size);
				}
			}
			if (pkgInfo == null) {
				reject(filename, "it has no " + root + "PKG-INFO");
			}
			return pkgInfo;
		}
		catch (ExpandsTooFar ex) {
			throw new WheelRejectedException(describe(filename) + " refused: " + ex.getMessage(), ex);
		}
		catch (ZipException | EOFException ex) {
			throw new WheelRejectedException(describe(filename) + " is not a valid .tar.gz archive: " + ex.getMessage(),
					ex);
		}
		catch (IOException ex) {
			throw new WheelRejectedException(describe(filename) + " could not be read: " + ex.getMessage(), ex);
		}
	}

	private static void checkMember(String member, char type, String root, String filename)
			throws WheelRejectedException {
		// Regular files and directories only: a link can point anywhere once unpacked,
		// and devices and FIFOs have no place in a source tree.
		if (type != '0' && type != '\0' && type != '5' && type != '7') {
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

	private static String ustarName(byte[] header) {
		String name = cString(header, 0, 100);
		boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
				&& header[261] == 'r';
		String prefix = ustar ? cString(header, 345, 155) : "";
		return prefix.isEmpty() ? name : prefix + "/" + name;
	}

	/** The {@code path} record of a PAX extended header, if it has one. */
	private static String paxPath(byte[] data, String filename) throws WheelRejectedException {
		String text = new String(data, StandardCharsets.UTF_8);
		int at = 0;
		String path = null;
		while (at < text.length()) {
			int space = text.indexOf(' ', at);
			if (space < 0) {
				reject(filename, "it has a malformed PAX header");
			}
			int length;
			try {
				length = Integer.parseInt(text.substring(at, space));
			}
			catch (NumberFormatException ex) {
				throw new WheelRejectedException(describe(filename) + " refused: it has a malformed PAX header", ex);
			}
			// Lengths count bytes; the records of a real archive are ASCII or short.
			int end = Math.min(text.length(), at + length);
			if (length <= 0 || end <= space) {
				reject(filename, "it has a malformed PAX header");
			}
			String record = text.substring(space + 1, end);
			if (record.endsWith("\n")) {
				record = record.substring(0, record.length() - 1);
			}
			if (record.startsWith("path=")) {
				path = record.substring("path=".length());
			}
			at = end;
		}
		return path;
	}

	private static void checkChecksum(byte[] header, String filename) throws WheelRejectedException {
		long expected = octal(header, 148, 8, filename);
		long sum = 0;
		for (int i = 0; i < BLOCK; i++) {
			sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
		}
		if (sum != expected) {
			reject(filename, "it is not a tar archive (a header checksum does not match)");
		}
	}

	private static long octal(byte[] header, int offset, int length, String filename) throws WheelRejectedException {
		if ((header[offset] & 0x80) != 0) {
			reject(filename, "it has a member larger than a tar header can say in octal");
		}
		long value = 0;
		boolean any = false;
		for (int i = offset; i < offset + length; i++) {
			byte b = header[i];
			if (b == 0 || (b == ' ' && any)) {
				break;
			}
			if (b == ' ') {
				continue;
			}
			if (b < '0' || b > '7') {
				reject(filename, "it is not a tar archive (a header has a malformed number)");
			}
			value = value * 8 + (b - '0');
			any = true;
		}
		return value;
	}

	private static String cString(byte[] bytes, int offset, int length) {
		int end = offset;
		while (end < offset + length && bytes[end] != 0) {
			end++;
		}
		return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
	}

	private static boolean isZero(byte[] block) {
		for (byte b : block) {
			if (b != 0) {
				return false;
			}
		}
		return true;
	}

	private static boolean readBlock(InputStream in, byte[] block) throws IOException {
		int read = in.readNBytes(block, 0, BLOCK);
		return read == BLOCK;
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
		skipPadding(in, size);
		return data;
	}

	private static void skip(InputStream in, long size) throws IOException {
		long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
		in.skipNBytes(padded);
	}

	private static void skipPadding(InputStream in, long size) throws IOException {
		long padding = (BLOCK - size % BLOCK) % BLOCK;
		in.skipNBytes(padding);
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
				throw new ExpandsTooFar(this.cap);
			}
		}

	}

	/** The archive expands past the cap. */
	private static final class ExpandsTooFar extends IOException {

		private static final long serialVersionUID = 1L;

		ExpandsTooFar(long cap) {
			super("it expands to more than " + cap + " bytes (a gzip bomb?)");
		}

	}

}
