package dev.wheelfarm.api;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The rows the golden answers are read from, every time written with fixed times: one
 * opted-in project with a published build, a failed one, a release waiting for a request
 * and one PyPI has wheels for; and a project no repository has named.
 */
final class ApiFixtures {

	static final String SEED = """
			INSERT INTO repository (url, head_commit, checked_at, registered_at, config_path, config, config_problems)
			VALUES ('https://git.example/demo-pkg', '0123456789abcdef0123456789abcdef01234567',
			        '2026-11-19T09:00:00Z', '2026-11-01T08:00:00Z', 'wheelfarm.toml',
			        CAST(:config AS jsonb),
			        '[{"severity": "warning", "key": "colour", "line": 2, "column": 1, "message": "unknown key: ignored"}]');
			INSERT INTO project (name, display_name, repository_id, optin_state, optin_reason, settings, created_at,
			                     updated_at)
			VALUES ('demo-pkg', 'Demo.Pkg', 1, 'OPTED_IN', 'named by https://git.example/demo-pkg, its Source on PyPI',
			        '{"platforms": ["linux"], "accept-requests": true, "skip-versions": []}',
			        '2026-11-01T08:00:00Z', '2026-11-19T09:00:00Z'),
			       ('other-pkg', 'other-pkg', NULL, 'PENDING', NULL, '{}', '2026-11-02T08:00:00Z',
			        '2026-11-02T08:00:00Z');
			INSERT INTO optin_claim (repository_id, project_name, display_name, outcome, reason, checked_at)
			VALUES (1, 'demo-pkg', 'Demo.Pkg', 'OPTED_IN', 'PyPI lists this repository as the project''s Source',
			        '2026-11-19T09:00:00Z');
			INSERT INTO release (project_id, version, pep440, first_seen_at)
			VALUES (1, '1.0', true, '2026-11-01T10:00:00Z'), (1, '1.1', true, '2026-11-05T10:00:00Z'),
			       (1, '1.2', true, '2026-11-10T10:00:00Z'), (1, '2.0', true, '2026-11-15T10:00:00Z');
			INSERT INTO pypi_file (release_id, filename, kind, url, sha256, size, upload_time)
			SELECT r.id, 'demo_pkg-' || r.version || '.tar.gz', 'sdist',
			       'https://files.example/demo_pkg-' || r.version || '.tar.gz', repeat('a', 64), 2048, r.first_seen_at
			FROM release r;
			INSERT INTO pypi_file (release_id, filename, kind, url, sha256, size, upload_time)
			SELECT r.id, 'demo_pkg-2.0-py3-none-any.whl', 'wheel', 'https://files.example/demo_pkg-2.0-py3-none-any.whl',
			       repeat('b', 64), 4096, r.first_seen_at
			FROM release r WHERE r.version = '2.0';
			INSERT INTO build (project_id, version, sdist_filename, sdist_url, sdist_sha256, recipe_fingerprint, origin,
			                   reason, next_attempt_at, created_at, updated_at)
			VALUES (1, '1.0', 'demo_pkg-1.0.tar.gz', 'https://files.example/demo_pkg-1.0.tar.gz', repeat('a', 64),
			        repeat('c', 64), 'watcher', 'queued by watcher', '2026-11-01T10:00:00Z', '2026-11-01T10:00:00Z',
			        '2026-11-01T10:00:00Z'),
			       (1, '1.1', 'demo_pkg-1.1.tar.gz', 'https://files.example/demo_pkg-1.1.tar.gz', repeat('a', 64),
			        repeat('c', 64), 'watcher', 'queued by watcher', '2026-11-05T10:00:00Z', '2026-11-05T10:00:00Z',
			        '2026-11-05T10:00:00Z');
			UPDATE build SET state = 'DISPATCHED', builder = 'local', external_run_id = 'local-1', attempts = 1,
			                 reason = 'sent to the local builder', updated_at = '2026-11-01T10:01:00Z' WHERE id = 1;
			UPDATE build SET state = 'RUNNING', reason = 'the builder started', updated_at = '2026-11-01T10:02:00Z'
			WHERE id = 1;
			UPDATE build SET state = 'SUCCEEDED', strategy = 'build', reason = 'built 1 wheel',
			                 updated_at = '2026-11-01T10:05:00Z' WHERE id = 1;
			UPDATE build SET state = 'PUBLISHED', reason = 'published 1 wheel', updated_at = '2026-11-01T10:06:00Z'
			WHERE id = 1;
			INSERT INTO wheel (build_id, project_id, version, filename, sha256, size, metadata_sha256, requires_python,
			                   stored_at)
			VALUES (1, 1, '1.0', 'demo_pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl', repeat('d', 64), 123456,
			        repeat('e', 64), '>=3.9', '2026-11-01T10:05:00Z');
			UPDATE build SET state = 'FAILED', attempts = 1, failure_kind = 'permanent',
			                 failure_class = 'missing-build-dependency',
			                 reason = 'missing-build-dependency: No module named ''helper''',
			                 log_excerpt = 'ModuleNotFoundError: No module named ''helper''',
			                 updated_at = '2026-11-05T10:04:00Z' WHERE id = 2;
			""";

	private ApiFixtures() {
	}

	static void seed(JdbcClient jdbc, String tokenSha256) {
		String config = "{\"projects\": [\"demo-pkg\"], \"accept-requests\": true, \"upload-token-sha256\": [\""
				+ tokenSha256 + "\"]}";
		for (String statement : SEED.split(";\n")) {
			if (!statement.isBlank()) {
				JdbcClient.StatementSpec spec = jdbc.sql(statement);
				if (statement.contains(":config")) {
					spec = spec.param("config", config);
				}
				spec.update();
			}
		}
	}

}
