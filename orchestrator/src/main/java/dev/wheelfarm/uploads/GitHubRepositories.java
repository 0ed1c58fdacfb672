package dev.wheelfarm.uploads;

import dev.wheelfarm.optin.RepositoryUrls;

/**
 * Matches a GitHub {@code owner/name} (an OIDC token's {@code repository} claim) with a
 * registered repository URL such as {@code https://github.com/owner/name.git}. GitHub
 * names are case-insensitive; the URL must be on github.com over https.
 */
final class GitHubRepositories {

	private GitHubRepositories() {
	}

	static boolean sameRepository(String registeredUrl, String ownerAndName) {
		if (ownerAndName == null || !ownerAndName.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")) {
			return false;
		}
		return RepositoryUrls.gitHubRepository(registeredUrl).filter(ownerAndName::equalsIgnoreCase).isPresent();
	}

}
