package dev.wheelfarm.uploads;

import java.util.List;

import dev.wheelfarm.shared.Sha256;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Rows as opt-in writes them: a repository whose last valid config lists upload token
 * hashes and a publish mode, and the opted-in project it holds.
 */
final class UploadFixtures {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final JdbcClient jdbc;

	UploadFixtures(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	static String sha256(String token) {
		return Sha256.digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex();
	}

	/** An opted-in project whose repository's config lists these tokens' hashes. */
	long optedIn(String name, String repositoryUrl, String publish, String... tokens) {
		List<String> hashes = java.util.Arrays.stream(tokens).map(UploadFixtures::sha256).toList();
		String config = JSON.writeValueAsString(
				java.util.Map.of("projects", List.of(name), "upload-token-sha256", hashes, "publish", publish));
		return this.jdbc.sql("""
				WITH held AS (INSERT INTO repository (url, config) VALUES (:url, CAST(:config AS jsonb)) RETURNING id)
				INSERT INTO project (name, display_name, repository_id, optin_state)
				SELECT :name, :name, held.id, 'OPTED_IN' FROM held RETURNING id
				""").param("url", repositoryUrl).param("config", config).param("name", name).query(Long.class).single();
	}

	/** A project the opt-in refused: known, never hosted. */
	void refused(String name) {
		this.jdbc
			.sql("INSERT INTO project (name, display_name, optin_state, optin_reason)"
					+ " VALUES (:n, :n, 'REJECTED', 'not on PyPI')")
			.param("n", name)
			.update();
	}

	int files(String filename) {
		return this.jdbc.sql("SELECT count(*) FROM wheel WHERE filename = :f")
			.param("f", filename)
			.query(Integer.class)
			.single();
	}

	String sha256Of(String filename) {
		return this.jdbc.sql("SELECT sha256 FROM wheel WHERE filename = :f")
			.param("f", filename)
			.query(String.class)
			.single();
	}

}
