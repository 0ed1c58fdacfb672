package dev.wheelfarm.uploads;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The secret of an {@code Authorization} header: Basic with user {@code __token__} (what
 * twine and PyPI use) or Bearer (for curl and scripts).
 */
public final class AuthorizationHeader {

	public static final String TOKEN_USER = "__token__";

	private AuthorizationHeader() {
	}

	/**
	 * The secret, or null when the header carries none.
	 * @throws CredentialRejectedException if a Basic user name other than
	 * {@code __token__} is sent (there are no passwords here)
	 */
	public static String secret(String header) throws CredentialRejectedException {
		if (header == null || header.isBlank()) {
			return null;
		}
		String value = header.strip();
		String scheme = value.split(" ", 2)[0].toLowerCase(Locale.ROOT);
		String rest = value.substring(scheme.length()).strip();
		if (scheme.equals("bearer")) {
			return rest;
		}
		if (!scheme.equals("basic")) {
			throw new CredentialRejectedException(
					"Unsupported Authorization scheme: use Basic (user __token__) or" + " Bearer");
		}
		String decoded;
		try {
			decoded = new String(Base64.getDecoder().decode(rest), StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			throw new CredentialRejectedException("The Basic credentials are not base64", ex);
		}
		int colon = decoded.indexOf(':');
		if (colon < 0 || !decoded.substring(0, colon).equals(TOKEN_USER)) {
			throw new CredentialRejectedException("Log in with user name __token__ and the project's upload token or"
					+ " a GitHub Actions OIDC token as the password");
		}
		return decoded.substring(colon + 1);
	}

}
