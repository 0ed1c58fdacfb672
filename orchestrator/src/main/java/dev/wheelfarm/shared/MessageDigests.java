package dev.wheelfarm.shared;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The one place a JDK {@link MessageDigest} is made. The algorithms the farm names (MD5,
 * SHA-256, SHA-384, SHA-512: twine's digests and a wheel's RECORD hashes) are all in the
 * JDK's own provider, so a missing one is a broken runtime, not a case to handle.
 */
public final class MessageDigests {

	private MessageDigests() {
	}

	/** A fresh digest of {@code algorithm}, e.g. {@code "SHA-256"}. */
	public static MessageDigest of(String algorithm) {
		try {
			return MessageDigest.getInstance(algorithm);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(algorithm + " is not available in this Java runtime", ex);
		}
	}

}
