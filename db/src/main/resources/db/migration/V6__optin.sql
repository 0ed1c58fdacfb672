-- Opt-in: what was read from each registered repository, and what each repository claims.

-- The config as last read: which file, from which commit (head_commit), and every problem
-- found in it (errors and warnings with key, line and column) for the maintainer to see.
ALTER TABLE repository
    ADD COLUMN config_path     text  CHECK (config_path IN ('wheelfarm.toml', 'pyproject.toml')),
    ADD COLUMN config          jsonb CHECK (config IS NULL OR jsonb_typeof(config) = 'object'),
    ADD COLUMN config_problems jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(config_problems) = 'array');

-- One row per project a repository's config names, with the outcome of the two-way
-- ownership check. Kept apart from project so that a repository naming someone else's
-- project is refused here without touching the real owner's project row.
CREATE TABLE optin_claim (
    repository_id   bigint      NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
    project_name    text        NOT NULL
                                CHECK (project_name ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$' AND length(project_name) <= 200),
    display_name    text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    outcome         text        NOT NULL CHECK (outcome IN ('OPTED_IN', 'REJECTED', 'DISABLED', 'PENDING')),
    reason          text,
    checked_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository_id, project_name)
);
COMMENT ON TABLE optin_claim IS 'A project named by a repository''s config and the outcome of its ownership check.';
CREATE INDEX optin_claim_by_project ON optin_claim (project_name);
