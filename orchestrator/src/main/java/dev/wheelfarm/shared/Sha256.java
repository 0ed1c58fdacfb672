package dev.wheelfarm.shared;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A SHA-256 digest as the simple index and PyPI's JSON API write it: 64 lowercase hex
 * digits.
 *
 * @param hex the digest in lowercase hex (uppercase input is lowercased)
 */
public record Sha256(String hex) {

	private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

	private static final int BUFFER_SIZE = 64 * 1024;

	public Sha256 {
		if (hex == null) {
			throw new IllegalArgumentException("SHA-256 digest must not be null");
		}
		String lower = hex.toLowerCase(Locale.ROOT);
		if (!HEX.matcher(lower).matches()) {
			throw new IllegalArgumentException("Invalid SHA-256 digest " + Quoting.quote(hex)
					+ ": expected 64 hex digits, found " + hex.length() + " characters");
		}
		hex = lower;
	}

	/** Validates a hex digest, e.g. from a {@code #sha256=} URL fragment. */
	public static Sha256 of(String hex) {
		return new Sha256(hex);
	}

	public static Sha256 digest(byte[] content) {
		return new Sha256(HexFormat.of().formatHex(newDigest().digest(content)));
	}

	/** Digests the rest of the stream; the caller closes it. */
	public static Sha256 digest(InputStream content) throws IOException {
		MessageDigest digest = newDigest();
		byte[] buffer = new byte[BUFFER_SIZE];
		for (int read = content.read(buffer); read != -1; read = content.read(buffer)) {
			digest.update(buffer, 0, read);
		}
		return new Sha256(HexFormat.of().formatHex(digest.digest()));
	}

	/**
	 * Hashes bytes as they pass on their way elsewhere (to disk, to the blob store), so
	 * that they are read once.
	 */
	public static Hasher hasher() {
		return new Hasher(newDigest());
	}

	private static MessageDigest newDigest() {
		return MessageDigests.of("SHA-256");
	}

	/**
	 * Compares in constant time, so a caller checking a digest supplied by a client does
	 * not leak how many leading digits were right.
	 */
	public boolean matches(Sha256 other) {
		return other != null && MessageDigest.isEqual(this.hex.getBytes(StandardCharsets.US_ASCII),
				other.hex.getBytes(StandardCharsets.US_ASCII));
	}

	/** The digest as bytes. */
	public byte[] bytes() {
		return HexFormat.of().parseHex(this.hex);
	}

	@Override
	public String toString() {
		return this.hex;
	}

	/** A SHA-256 being computed; {@link #finish()} ends it. */
	public static final class Hasher {

		private final MessageDigest digest;

		private Hasher(MessageDigest digest) {
			this.digest = digest;
		}

		public void update(byte[] bytes, int offset, int length) {
			this.digest.update(bytes, offset, length);
		}

		public void update(byte[] bytes) {
			this.digest.update(bytes);
		}

		/** Writes to {@code out}, hashing every byte written. */
		public OutputStream writingTo(OutputStream out) {
			return new DigestOutputStream(out, this.digest);
		}

		public Sha256 finish() {
			return new Sha256(HexFormat.of().formatHex(this.digest.digest()));
		}

	}

}
