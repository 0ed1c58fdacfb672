package dev.wheelfarm.provenance;

/**
 * GitHub's numeric ids of a repository and its owner, which GitHub never reuses: what a
 * project's trusted publishing is bound to on its first OIDC upload, and what Fulcio
 * writes into a workflow's certificate (Source Repository Identifier and Source
 * Repository Owner Identifier).
 *
 * @param repository the repository's id ({@code repository_id})
 * @param owner its owner's id ({@code repository_owner_id})
 */
public record RepositoryIds(long repository, long owner) {

	@Override
	public String toString() {
		return "repository " + this.repository + ", owner " + this.owner;
	}

}
