package dev.wheelfarm.uploads;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.wheelfarm.shared.ProjectName;
import dev.wheelfarm.shared.Sha256;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Decides whether a secret may write one project's files. A credential is valid for one
 * project only: a project token is accepted when its SHA-256 is listed by that project's
 * own repository config ({@code upload-token-sha256}), and a GitHub Actions OIDC token
 * when its {@code repository} claim is that project's opted-in repository and its
 * repository and owner ids are the ones the project's first accepted OIDC token carried
 * ({@link TrustedPublishers}). Nothing else grants anything: another project's token or
 * workflow is refused like a wrong one. The same proof lets a maintainer ask for a
 * rebuild ({@code dev.wheelfarm.rebuilds}).
 */
@Component
public class ProjectCredentials {

	// Only an opted-in project receives uploads: its name was checked against PyPI and
	// its repository proved it owns it. The config is the last valid one read.
	private static final String PROJECT = """
			SELECT p.id, p.name, p.optin_state, r.url AS repository_url,
			       coalesce(r.config -> 'upload-token-sha256', '[]'::jsonb)::text AS token_hashes
			FROM project p LEFT JOIN repository r ON r.id = p.repository_id
			WHERE p.name = :name
			""";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final JdbcClient jdbc;

	private final OidcVerifier oidc;

	private final TrustedPublishers publishers;

	ProjectCredentials(JdbcClient jdbc, OidcVerifier oidc, TrustedPublishers publishers) {
		this.jdbc = jdbc;
		this.oidc = oidc;
		this.publishers = publishers;
	}

	/**
	 * The uploader {@code secret} proves for {@code project}.
	 * @throws CredentialRejectedException if it proves nothing for this project
	 */
	public Uploader authorize(String secret, ProjectName project) throws CredentialRejectedException {
		if (secret == null || secret.isEmpty()) {
			throw new CredentialRejectedException("Authentication required: send the project's upload token or a"
					+ " GitHub Actions OIDC token as the password of user __token__");
		}
		Optional<ProjectRow> row = this.jdbc.sql(PROJECT)
			.param("name", project.value())
			.query(ProjectRow.class)
			.optional();
		if (row.isEmpty() || !"OPTED_IN".equals(row.get().optinState())) {
			throw new CredentialRejectedException(project + " is not a project this farm hosts: only opted-in projects"
					+ " receive uploads (see /api/opt-ins/" + project + ")");
		}
		ProjectRow found = row.get();
		if (OidcVerifier.looksLikeJwt(secret)) {
			OidcVerifier.Identity identity = this.oidc.verify(secret);
			if (!GitHubRepositories.sameRepository(found.repositoryUrl(), identity.repository())) {
				throw new CredentialRejectedException("The OIDC token's repository " + identity.repository()
						+ " is not " + project + "'s opted-in repository");
			}
			this.publishers.check(found.id(), project.toString(), identity);
			return new Uploader(found.id(), project, identity.label(), null, new Uploader.Workflow(
					identity.repository(), identity.workflowRef(), identity.ref(), identity.runId()));
		}
		Sha256 offeredHash = Sha256.digest(secret.getBytes(StandardCharsets.UTF_8));
		boolean accepted = false;
		for (String hash : hashes(found.tokenHashes())) {
			// Constant time, and no early exit: the time taken says nothing about which
			// hash came close.
			accepted |= offeredHash.matches(Sha256.of(hash));
		}
		if (!accepted) {
			throw new CredentialRejectedException("Invalid or non-existent authentication information: this token's"
					+ " SHA-256 is not in " + project + "'s upload-token-sha256");
		}
		return new Uploader(found.id(), project, "token", offeredHash.hex(), null);
	}

	private static List<String> hashes(String json) {
		List<String> hashes = new ArrayList<>();
		JsonNode node = JSON.readTree(json);
		for (JsonNode hash : node) {
			if (hash.isString() && hash.stringValue().matches("[0-9a-f]{64}")) {
				hashes.add(hash.stringValue());
			}
		}
		return hashes;
	}

	record ProjectRow(long id, String name, String optinState, String repositoryUrl, String tokenHashes) {

	}

}
