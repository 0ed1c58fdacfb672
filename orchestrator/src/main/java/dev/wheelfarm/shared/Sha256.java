package dev.wheelfarm.shared;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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

	private static MessageDigest newDigest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			// Every Java platform must provide SHA-256 (MessageDigest's javadoc).
			throw new IllegalStateException("SHA-256 is not available", ex);
		}
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

}
