package dev.wheelfarm.uploads;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Matches a GitHub {@code owner/name} (an OIDC token's {@code repository} claim) with a
 * registered repository URL such as {@code https://github.com/owner/name.git}. GitHub
 * names are case-insensitive; the URL must be on github.com over https.
 */
final class GitHubRepositories {

	private GitHubRepositories() {
	}

	static boolean sameRepository(String registeredUrl, String ownerAndName) {
		if (registeredUrl == null || ownerAndName == null || !ownerAndName.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")) {
			return false;
		}
		URI uri;
		try {
			uri = new URI(registeredUrl.strip());
		}
		catch (URISyntaxException ex) {
			return false;
		}
		if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null
				|| !"github.com".equals(uri.getHost().toLowerCase(Locale.ROOT))
				|| (uri.getPort() != -1 && uri.getPort() != 443) || uri.getRawPath() == null) {
			return false;
		}
		String path = uri.getRawPath();
		while (path.endsWith("/")) {
			path = path.substring(0, path.length() - 1);
		}
		if (path.toLowerCase(Locale.ROOT).endsWith(".git")) {
			path = path.substring(0, path.length() - 4);
		}
		return path.equalsIgnoreCase("/" + ownerAndName);
	}

}
