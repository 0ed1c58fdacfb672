package dev.wheelfarm.artifacts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes wheels byte by byte, right or wrong on purpose: a correct RECORD by default, and
 * hooks to break one thing at a time for the ingest's refusal tests.
 */
public final class TestWheels {

	private final String distribution;

	private final String version;

	private final Map<String, byte[]> members = new LinkedHashMap<>();

	private String metadata;

	private UnaryOperator<String> recordEdit = UnaryOperator.identity();

	private TestWheels(String distribution, String version) {
		this.distribution = distribution;
		this.version = version;
		this.metadata = "Metadata-Version: 2.1\nName: " + distribution + "\nVersion: " + version
				+ "\nRequires-Python: >=3.8\n\nA test package.\n";
		this.members.put(distribution.replace('-', '_') + "/__init__.py",
				("VERSION = '" + version + "'\n").getBytes(StandardCharsets.UTF_8));
	}

	/** A pure wheel of {@code name} {@code version} with one module. */
	public static TestWheels of(String name, String version) {
		return new TestWheels(name, version);
	}

	public String distInfo() {
		return this.distribution.replace('-', '_') + "-" + this.version + ".dist-info/";
	}

	public TestWheels metadata(String text) {
		this.metadata = text;
		return this;
	}

	/** Adds a member, listed in RECORD with its true hash. */
	public TestWheels member(String name, byte[] bytes) {
		this.members.put(name, bytes);
		return this;
	}

	/** Changes RECORD's text after it was computed. */
	public TestWheels editRecord(UnaryOperator<String> edit) {
		this.recordEdit = edit;
		return this;
	}

	/** The wheel's bytes. */
	public byte[] bytes() {
		Map<String, byte[]> all = new LinkedHashMap<>(this.members);
		all.put(distInfo() + "METADATA", this.metadata.getBytes(StandardCharsets.UTF_8));
		all.put(distInfo() + "WHEEL",
				"Wheel-Version: 1.0\nGenerator: wheelfarm-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
					.getBytes(StandardCharsets.UTF_8));
		StringBuilder record = new StringBuilder();
		for (Map.Entry<String, byte[]> member : all.entrySet()) {
			record.append(csv(member.getKey()))
				.append(",sha256=")
				.append(hash(member.getValue()))
				.append(',')
				.append(member.getValue().length)
				.append('\n');
		}
		record.append(distInfo()).append("RECORD,,\n");
		all.put(distInfo() + "RECORD", this.recordEdit.apply(record.toString()).getBytes(StandardCharsets.UTF_8));
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(out)) {
			for (Map.Entry<String, byte[]> member : all.entrySet()) {
				zip.putNextEntry(new ZipEntry(member.getKey()));
				zip.write(member.getValue());
				zip.closeEntry();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return out.toByteArray();
	}

	/** Writes the wheel as {@code directory/filename}. */
	public Path write(Path directory, String filename) throws IOException {
		Path path = directory.resolve(filename);
		Files.write(path, bytes());
		return path;
	}

	/** The conventional pure-wheel filename. */
	public String filename() {
		return this.distribution.replace('-', '_') + "-" + this.version + "-py3-none-any.whl";
	}

	public static String hash(byte[] bytes) {
		try {
			return Base64.getUrlEncoder()
				.withoutPadding()
				.encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String csv(String field) {
		return (field.contains(",") || field.contains("\"")) ? "\"" + field.replace("\"", "\"\"") + "\"" : field;
	}

}
