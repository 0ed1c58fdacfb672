package dev.wheelfarm.optin;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * What a registered repository URL may be, and when two URLs name the same repository.
 */
public final class RepositoryUrls {

	private static final String GITHUB = "https://github.com/";

	static final int MAX_LENGTH = 2048;

	private RepositoryUrls() {
	}

	/**
	 * Checks a URL a maintainer sent and returns it as it will be stored (trimmed,
	 * without a trailing slash).
	 * @throws IllegalArgumentException with a message for the maintainer
	 */
	static String validate(String raw, boolean allowFileUrls) {
		if (raw == null || raw.isBlank()) {
			throw new IllegalArgumentException("repository is required: the https:// URL of a git repository");
		}
		String url = raw.strip();
		while (url.endsWith("/") && url.length() > 1) {
			url = url.substring(0, url.length() - 1);
		}
		if (url.length() > MAX_LENGTH) {
			throw new IllegalArgumentException("repository URL is longer than " + MAX_LENGTH + " characters");
		}
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException ex) {
			throw new IllegalArgumentException("repository is not a URL: " + ex.getReason());
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (scheme.equals("file")) {
			if (!allowFileUrls) {
				throw new IllegalArgumentException("file:// repositories are not accepted by this farm; use https://");
			}
			if (uri.getPath() == null || uri.getPath().isEmpty() || uri.getRawQuery() != null
					|| uri.getRawFragment() != null) {
				throw new IllegalArgumentException("a file:// repository URL is file:///path/to/repository.git");
			}
			return url;
		}
		if (!scheme.equals("https")) {
			throw new IllegalArgumentException("only https:// repository URLs are accepted, not " + scheme + ":");
		}
		if (uri.getHost() == null || uri.getHost().isEmpty()) {
			throw new IllegalArgumentException("repository URL has no host");
		}
		// Credentials in a URL would be stored and shown on a public status page.
		if (uri.getRawUserInfo() != null) {
			throw new IllegalArgumentException("repository URL must not contain a user name or password");
		}
		if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
			throw new IllegalArgumentException("repository URL must not have a query or fragment");
		}
		if (uri.getPath() == null || uri.getPath().length() <= 1) {
			throw new IllegalArgumentException("repository URL has no path to a repository");
		}
		return url;
	}

	/**
	 * The comparison key of a repository URL: scheme and host lowercased, {@code http}
	 * counted as {@code https}, default port, trailing slashes and a {@code .git} suffix
	 * dropped. PyPI metadata rarely spells the URL the way {@code git clone} does.
	 */
	static Optional<String> comparisonKey(String raw) {
		if (raw == null || raw.isBlank() || raw.length() > MAX_LENGTH) {
			return Optional.empty();
		}
		URI uri;
		try {
			uri = new URI(raw.strip());
		}
		catch (URISyntaxException ex) {
			return Optional.empty();
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (scheme.equals("http")) {
			scheme = "https";
		}
		String path = (uri.getRawPath() != null) ? uri.getRawPath() : "";
		while (path.endsWith("/")) {
			path = path.substring(0, path.length() - 1);
		}
		if (path.toLowerCase(Locale.ROOT).endsWith(".git")) {
			path = path.substring(0, path.length() - 4);
		}
		if (path.isEmpty()) {
			return Optional.empty();
		}
		if (scheme.equals("file")) {
			return Optional.of("file://" + path);
		}
		if (!scheme.equals("https") || uri.getHost() == null) {
			return Optional.empty();
		}
		String host = uri.getHost().toLowerCase(Locale.ROOT);
		String port = (uri.getPort() < 0 || uri.getPort() == 443 || uri.getPort() == 80) ? "" : ":" + uri.getPort();
		return Optional.of("https://" + host + port + path);
	}

	/**
	 * The {@code owner/name} an {@code https://github.com/…} repository URL names, read
	 * with the same rules as {@link #comparisonKey} ({@code .git} and trailing slashes
	 * dropped, host in any case); empty for any other URL, plain {@code http} included.
	 */
	public static Optional<String> gitHubRepository(String url) {
		if (url == null || !url.strip().regionMatches(true, 0, "https://", 0, 8)) {
			return Optional.empty();
		}
		return comparisonKey(url).filter((key) -> key.startsWith(GITHUB)).map((key) -> key.substring(GITHUB.length()));
	}

	static boolean sameRepository(String a, String b) {
		Optional<String> left = comparisonKey(a);
		return left.isPresent() && left.equals(comparisonKey(b));
	}

}
