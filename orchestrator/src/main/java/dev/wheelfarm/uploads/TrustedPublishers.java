package dev.wheelfarm.uploads;

import java.time.OffsetDateTime;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Binds a project's trusted publishing to GitHub's ids for its repository and owner. A
 * repository's owner/name passes to whoever takes it after a rename, a deletion or a
 * transfer; its ids do not. Opt-in reads repositories over git and never learns the ids,
 * so the first OIDC token accepted for a project records them (trust on first use), and a
 * later token of the same name with other ids is refused. Opting the project out and in
 * again forgets the binding (a trigger, see {@code V18__trusted_publisher.sql}).
 */
@Component
class TrustedPublishers {

	// The first token binds; a concurrent first token with other ids waits on the
	// primary key and then finds the winner's row, as any later token does.
	private static final String BIND = """
			INSERT INTO trusted_publisher (project_id, github_repository_id, github_owner_id, repository)
			VALUES (:project, :repository_id, :owner_id, :repository)
			ON CONFLICT (project_id) DO NOTHING
			""";

	private static final String BINDING = """
			SELECT github_repository_id, github_owner_id, bound_at
			FROM trusted_publisher WHERE project_id = :project
			""";

	private final JdbcClient jdbc;

	TrustedPublishers(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Accepts {@code identity} for the project if it is the repository the project is
	 * bound to, binding it first if the project has no binding yet.
	 * @throws CredentialRejectedException if the project is bound to other ids
	 */
	void check(long projectId, String project, OidcVerifier.Identity identity) throws CredentialRejectedException {
		this.jdbc.sql(BIND)
			.param("project", projectId)
			.param("repository_id", identity.repositoryId())
			.param("owner_id", identity.ownerId())
			.param("repository", identity.repository())
			.update();
		Binding bound = this.jdbc.sql(BINDING).param("project", projectId).query(Binding.class).single();
		if (bound.githubRepositoryId() != identity.repositoryId() || bound.githubOwnerId() != identity.ownerId()) {
			// The cause first: the status line and twine's console cut long reasons.
			throw new CredentialRejectedException("The repository " + identity.repository()
					+ " was re-created or transferred: its GitHub ids (repository " + identity.repositoryId()
					+ ", owner " + identity.ownerId() + ") are not those " + project + " was bound to on "
					+ bound.boundAt().toLocalDate() + " (repository " + bound.githubRepositoryId() + ", owner "
					+ bound.githubOwnerId() + "). To trust it, opt " + project
					+ " out and in again (docs/maintainers.md, trusted publishing)");
		}
	}

	record Binding(long githubRepositoryId, long githubOwnerId, OffsetDateTime boundAt) {

	}

}
