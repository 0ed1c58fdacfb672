package dev.wheelfarm.dispatch.github;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub's webhook signature: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
 * raw body under the webhook secret>}, compared in constant time so that response timing
 * gives nothing away about the expected value.
 */
final class WebhookSignature {

	private static final String PREFIX = "sha256=";

	private final SecretKeySpec key;

	WebhookSignature(String secret) {
		this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
	}

	/** The header value GitHub sends for this body. */
	String sign(byte[] body) {
		return PREFIX + HexFormat.of().formatHex(hmac(body));
	}

	boolean verify(byte[] body, String header) {
		if (header == null || !header.startsWith(PREFIX)) {
			return false;
		}
		byte[] given;
		try {
			given = HexFormat.of().parseHex(header.substring(PREFIX.length()));
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
		return MessageDigest.isEqual(hmac(body), given);
	}

	private byte[] hmac(byte[] body) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(this.key);
			return mac.doFinal(body);
		}
		catch (NoSuchAlgorithmException | InvalidKeyException ex) {
			// Every JDK ships HmacSHA256 and any byte string is a valid HMAC key.
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

}
