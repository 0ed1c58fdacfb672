package dev.wheelfarm.dispatch.github;

import java.io.IOException;

import org.kohsuke.github.GitHubBuilder;
import org.kohsuke.github.authorization.AuthorizationProvider;

/**
 * The password git uses over HTTPS to push to the build repository, from the same
 * {@code wheelfarm.github.*} credentials as the engine's: the token itself, or a fresh
 * installation token of the GitHub App (valid for an hour, enough for one install).
 * GitHub takes either with the user name {@value #USER}.
 */
public final class GitPushCredentials {

	/** The user name GitHub documents for token authentication over HTTPS. */
	public static final String USER = "x-access-token";

	private GitPushCredentials() {
	}

	/**
	 * @throws IllegalStateException when the credentials are missing, or the App's
	 * installation token cannot be had (wrong key, id or installation)
	 */
	public static String password(GitHubProperties properties) {
		if (!properties.usesApp()) {
			if (properties.token() == null || properties.token().isBlank()) {
				throw new IllegalStateException("set wheelfarm.github.token, or wheelfarm.github.app-id, "
						+ "wheelfarm.github.private-key and wheelfarm.github.installation-id");
			}
			return properties.token();
		}
		GitHubBuilder builder = new GitHubBuilder().withEndpoint(properties.apiUrl().toString());
		AuthorizationProvider authorization = GitHubEngineConfiguration.authorization(properties, builder);
		try {
			// Building binds the installation provider to a client that signs the App's
			// JWT; asking it for the header exchanges the JWT for an installation token.
			builder.withAuthorizationProvider(authorization).build();
			String header = authorization.getEncodedAuthorization();
			return header.substring(header.indexOf(' ') + 1);
		}
		catch (IOException ex) {
			throw new IllegalStateException("cannot get an installation token for GitHub App " + properties.appId()
					+ " (installation " + properties.installationId() + "): " + ex.getMessage(), ex);
		}
	}

}
