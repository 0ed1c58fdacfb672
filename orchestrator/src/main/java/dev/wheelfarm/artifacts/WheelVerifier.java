package dev.wheelfarm.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

import dev.wheelfarm.shared.InvalidWheelFilenameException;
import dev.wheelfarm.shared.MessageDigests;
import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import dev.wheelfarm.shared.Version;
import dev.wheelfarm.shared.WheelFilename;

import org.springframework.stereotype.Component;

/**
 * Checks a wheel before it is stored (PEP 427 and the binary distribution format spec):
 * the filename, the build's project and version, the zip's member names, the
 * {@code METADATA} name and version, every {@code RECORD} hash and size, every member's
 * real size and CRC-32 against its zip entry (the signatures {@code RECORD.jws} and
 * {@code RECORD.p7s} too), and caps on size and member count. A build job is untrusted
 * code: the wheel is evidence only after this.
 */
@Component
public class WheelVerifier {

	// RECORD hashes must be sha256 or stronger (binary distribution format spec).
	private static final Map<String, String> RECORD_ALGORITHMS = Map.of("sha256", "SHA-256", "sha384", "SHA-384",
			"sha512", "SHA-512");

	// Signatures are listed in RECORD without a hash: they cannot contain their own hash.
	private static final Set<String> UNHASHED = Set.of("RECORD", "RECORD.jws", "RECORD.p7s");

	private static final int BUFFER_SIZE = 64 * 1024;

	private final ArtifactsProperties limits;

	public WheelVerifier(ArtifactsProperties limits) {
		this.limits = limits;
	}

	/**
	 * Verifies the wheel at {@code path} for a build of {@code project} {@code version}.
	 * @param filename the name the build gave the wheel
	 * @throws WheelRejectedException naming the first check that failed
	 */
	public VerifiedWheel verify(Path path, String filename, ProjectName project, String version)
			throws WheelRejectedException {
		WheelFilename name = parseFilename(filename);
		if (!name.projectName().equals(project)) {
			reject(filename, "it names project " + name.projectName() + " but the build was for " + project);
		}
		Version expected = Version.tryParse(version).orElse(null);
		if (expected == null || !name.version().equals(expected)) {
			reject(filename, "it names version " + name.version() + " but the build was for " + version);
		}
		long size = fileSize(path, filename);
		if (size > this.limits.maxWheelSize().toBytes()) {
			reject(filename,
					"it is " + size + " bytes, more than the limit of " + this.limits.maxWheelSize().toBytes());
		}
		try (ZipFile zip = new ZipFile(path.toFile(), StandardCharsets.UTF_8)) {
			Members members = members(zip, filename);
			String distInfo = distInfo(members, filename);
			byte[] metadata = read(zip, members.get(distInfo + "METADATA"), filename);
			Map<String, String> headers = headers(metadata, filename);
			checkMetadata(headers, project, expected, filename);
			byte[] record = read(zip, members.get(distInfo + "RECORD"), filename);
			checkRecord(zip, members, distInfo, record, filename);
			Sha256 sha256 = hash(path, filename);
			return new VerifiedWheel(name, sha256, size, metadata, headers.get("requires-python"));
		}
		catch (ZipException ex) {
			throw new WheelRejectedException(describe(filename) + " is not a valid zip archive: " + ex.getMessage(),
					ex);
		}
		catch (IOException ex) {
			throw new WheelRejectedException(describe(filename) + " could not be read: " + ex.getMessage(), ex);
		}
	}

	private static WheelFilename parseFilename(String filename) throws WheelRejectedException {
		try {
			return WheelFilename.parse(filename);
		}
		catch (InvalidWheelFilenameException ex) {
			throw new WheelRejectedException(ex.getMessage(), ex);
		}
	}

	private static long fileSize(Path path, String filename) throws WheelRejectedException {
		try {
			return Files.size(path);
		}
		catch (IOException ex) {
			throw new WheelRejectedException(describe(filename) + " could not be read: " + ex.getMessage(), ex);
		}
	}

	private static Sha256 hash(Path path, String filename) throws WheelRejectedException {
		try (InputStream in = Files.newInputStream(path)) {
			return Sha256.digest(in);
		}
		catch (IOException ex) {
			throw new WheelRejectedException(describe(filename) + " could not be read: " + ex.getMessage(), ex);
		}
	}

	/** The archive's file members by name; names are checked before anything is read. */
	private Members members(ZipFile zip, String filename) throws WheelRejectedException {
		if (zip.size() > this.limits.maxEntries()) {
			reject(filename, "it has " + zip.size() + " members, more than the limit of " + this.limits.maxEntries());
		}
		Map<String, ZipEntry> files = new LinkedHashMap<>();
		long declared = 0;
		Enumeration<? extends ZipEntry> entries = zip.entries();
		while (entries.hasMoreElements()) {
			ZipEntry entry = entries.nextElement();
			String member = entry.getName();
			checkMemberName(member, filename);
			if (entry.isDirectory()) {
				continue;
			}
			if (files.put(member, entry) != null) {
				reject(filename, "the member " + member + " appears twice, so which copy is installed is ambiguous");
			}
			declared += Math.max(entry.getSize(), 0);
			if (declared > this.limits.maxUncompressedSize().toBytes()) {
				reject(filename, "it expands to more than " + this.limits.maxUncompressedSize().toBytes()
						+ " bytes (a zip bomb?)");
			}
		}
		return new Members(files);
	}

	private static void checkMemberName(String member, String filename) throws WheelRejectedException {
		String problem = ArchiveMemberNames.problemWith(member, "install directory");
		if (problem != null) {
			reject(filename, problem);
		}
	}

	private static String distInfo(Members members, String filename) throws WheelRejectedException {
		Set<String> directories = new HashSet<>();
		for (String member : members.names()) {
			int slash = member.indexOf('/');
			if (slash > 0 && member.substring(0, slash).endsWith(".dist-info")) {
				directories.add(member.substring(0, slash + 1));
			}
		}
		if (directories.size() != 1) {
			reject(filename, "it must have exactly one top-level *.dist-info directory, found " + directories.size());
		}
		String directory = directories.iterator().next();
		for (String required : List.of("METADATA", "RECORD")) {
			if (members.get(directory + required) == null) {
				reject(filename, "it has no " + directory + required);
			}
		}
		return directory;
	}

	private byte[] read(ZipFile zip, ZipEntry entry, String filename) throws IOException, WheelRejectedException {
		long cap = this.limits.maxMetadataSize().toBytes();
		try (InputStream in = zip.getInputStream(entry)) {
			byte[] bytes = in.readNBytes((int) Math.min(cap + 1, Integer.MAX_VALUE - 8));
			if (bytes.length > cap) {
				reject(filename, entry.getName() + " is larger than the limit of " + cap + " bytes");
			}
			return bytes;
		}
	}

	private static Map<String, String> headers(byte[] metadata, String filename) throws WheelRejectedException {
		try {
			return CoreMetadata.headers(metadata);
		}
		catch (CharacterCodingException ex) {
			throw new WheelRejectedException(describe(filename) + ": METADATA is not UTF-8", ex);
		}
	}

	private static void checkMetadata(Map<String, String> headers, ProjectName project, Version version,
			String filename) throws WheelRejectedException {
		String name = headers.get("name");
		if (name == null || !ProjectName.isValid(name) || !ProjectName.of(name).equals(project)) {
			reject(filename, "METADATA names project " + quote(name) + ", not " + project);
		}
		Optional<Version> declared = Optional.ofNullable(headers.get("version")).flatMap(Version::tryParse);
		if (declared.isEmpty() || !declared.get().equals(version)) {
			reject(filename, "METADATA names version " + quote(headers.get("version")) + ", not " + version);
		}
	}

	/**
	 * Every member is in RECORD with a matching hash and size, and every RECORD line
	 * names a member: an installer trusts RECORD to know what it wrote.
	 */
	private void checkRecord(ZipFile zip, Members members, String distInfo, byte[] record, String filename)
			throws IOException, WheelRejectedException {
		Map<String, RecordLine> lines = new HashMap<>();
		for (List<String> row : Csv.parse(new String(record, StandardCharsets.UTF_8))) {
			if (row.size() != 3) {
				reject(filename, "RECORD has a line with " + row.size() + " fields instead of 3: " + row);
			}
			if (lines.put(row.get(0), new RecordLine(row.get(1), row.get(2))) != null) {
				reject(filename, "RECORD lists " + quote(row.get(0)) + " twice");
			}
		}
		long expanded = 0;
		for (String member : members.names()) {
			RecordLine line = lines.remove(member);
			boolean unhashed = member.startsWith(distInfo) && UNHASHED.contains(member.substring(distInfo.length()));
			if (line == null) {
				reject(filename, "the member " + quote(member) + " is not listed in RECORD");
			}
			// A signature has no hash to check, but it is unpacked like any member: its
			// size and CRC are checked all the same, so no bomb hides there.
			expanded += checkMember(zip, members.get(member), unhashed ? null : line, filename,
					this.limits.maxUncompressedSize().toBytes() - expanded);
		}
		if (!lines.isEmpty()) {
			reject(filename, "RECORD lists " + quote(lines.keySet().iterator().next()) + " which the wheel lacks");
		}
	}

	/**
	 * Reads the member to its end, within the budget left of the uncompressed size cap,
	 * and checks what it really expands to against its zip entry's size and CRC-32 (which
	 * installers check when they unpack it) and, with a RECORD line, the hash and size
	 * there.
	 * @param line the member's RECORD line, or null for a member RECORD lists unhashed
	 * @return the member's size
	 */
	private long checkMember(ZipFile zip, ZipEntry entry, RecordLine line, String filename, long budget)
			throws IOException, WheelRejectedException {
		String member = entry.getName();
		MessageDigest digest = null;
		int equals = -1;
		if (line != null) {
			equals = line.hash().indexOf('=');
			String algorithm = (equals > 0) ? RECORD_ALGORITHMS.get(line.hash().substring(0, equals)) : null;
			if (algorithm == null) {
				reject(filename, "RECORD has no sha256 (or stronger) hash for " + quote(member));
			}
			digest = MessageDigests.of(algorithm);
		}
		CRC32 crc = new CRC32();
		long size = 0;
		byte[] buffer = new byte[BUFFER_SIZE];
		try (InputStream in = zip.getInputStream(entry)) {
			for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
				size += read;
				if (size > budget) {
					reject(filename, "it expands to more than " + this.limits.maxUncompressedSize().toBytes()
							+ " bytes (a zip bomb?)");
				}
				crc.update(buffer, 0, read);
				if (digest != null) {
					digest.update(buffer, 0, read);
				}
			}
		}
		if (size != entry.getSize()) {
			reject(filename, "the member " + quote(member) + " expands to " + size + " bytes, but the zip says "
					+ entry.getSize());
		}
		if (crc.getValue() != entry.getCrc()) {
			reject(filename, "the CRC-32 of " + quote(member) + " does not match the zip's");
		}
		if (line == null) {
			return size;
		}
		String actual = Base64.getUrlEncoder().withoutPadding().encodeToString(digest.digest());
		if (!actual.equals(line.hash().substring(equals + 1))) {
			reject(filename, "the hash of " + quote(member) + " does not match RECORD");
		}
		if (!Long.toString(size).equals(line.size())) {
			reject(filename, "the size of " + quote(member) + " is " + size + ", RECORD says " + quote(line.size()));
		}
		return size;
	}

	private static void reject(String filename, String problem) throws WheelRejectedException {
		throw new WheelRejectedException(describe(filename) + " refused: " + problem);
	}

	private static String describe(String filename) {
		return "wheel " + quote(filename);
	}

	static String quote(String text) {
		if (text == null) {
			return "(none)";
		}
		String shown = (text.length() > 120) ? text.substring(0, 120) + "…" : text;
		return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
	}

	private record RecordLine(String hash, String size) {

	}

	private record Members(Map<String, ZipEntry> files) {

		Set<String> names() {
			return this.files.keySet();
		}

		ZipEntry get(String name) {
			return this.files.get(name);
		}

	}

	/** RECORD is CSV as Python's csv module writes it: commas, double-quote quoting. */
	static final class Csv {

		private Csv() {
		}

		static List<List<String>> parse(String text) {
			List<List<String>> rows = new ArrayList<>();
			List<String> row = new ArrayList<>();
			StringBuilder field = new StringBuilder();
			boolean quoted = false;
			boolean any = false;
			for (int i = 0; i < text.length(); i++) {
				char c = text.charAt(i);
				if (quoted) {
					if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
						field.append('"');
						i++;
					}
					else if (c == '"') {
						quoted = false;
					}
					else {
						field.append(c);
					}
				}
				else if (c == '"') {
					quoted = true;
					any = true;
				}
				else if (c == ',') {
					row.add(field.toString());
					field.setLength(0);
					any = true;
				}
				else if (c == '\n' || c == '\r') {
					if (any || field.length() > 0) {
						row.add(field.toString());
						rows.add(row);
					}
					row = new ArrayList<>();
					field.setLength(0);
					any = false;
				}
				else {
					field.append(c);
					any = true;
				}
			}
			if (any || field.length() > 0) {
				row.add(field.toString());
				rows.add(row);
			}
			return rows;
		}

	}

}
