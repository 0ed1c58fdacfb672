-- Wheelfarm schema v17: rebuilds a project's maintainer asks for.
--
-- A rebuild is the ledger's existing FAILED -> PENDING move on the same row: the row's unique
-- key (project, version, sdist sha256, recipe) still names what is built, so no second row
-- under the same key is needed, and build_event keeps the whole history (the failure, the
-- request, the new attempt) on one timeline. This table records who asked and why, beside the
-- event the move wrote, and is what the per-project limit counts, so the limit holds across
-- restarts and across replicas sharing the database.

-- A rebuilt row keeps counting its attempts, because the attempt number names the attempt's
-- request id (wf-<build>-<attempt>): the GitHub run-name, the webhook's key and the local run
-- directory. Starting again at 1 would hand the new attempt the id of a finished run of the
-- first life, which a run lookup or a late webhook would then take for the new one. The
-- retry allowance (wheelfarm.builds.max-attempts) counts from the attempt the row was
-- revived at instead.
ALTER TABLE build ADD COLUMN attempts_at_revival integer NOT NULL DEFAULT 0 CHECK (attempts_at_revival >= 0);

COMMENT ON TABLE build_transition_rule IS
    'Every legal build state change; the build trigger refuses any other. FAILED -> PENDING is an operator''s forced retry or a maintainer''s rebuild (see rebuild_request).';

-- One maintainer's request that re-queued a failed build. The credential itself is never
-- stored: a token by the first 16 hex digits of its SHA-256 (the hash the repository config
-- lists, so the maintainer can tell which token asked), an OIDC token by the workflow run it
-- was issued to.
CREATE TABLE rebuild_request (
    id                  bigserial PRIMARY KEY,
    project_id          bigint      NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    build_id            bigint      NOT NULL REFERENCES build (id) ON DELETE CASCADE,
    -- the PENDING event the re-queue wrote on the build's timeline
    event_id            bigint      NOT NULL UNIQUE REFERENCES build_event (id) ON DELETE CASCADE,
    credential          text        NOT NULL CHECK (credential IN ('token', 'oidc')),
    token_fingerprint   text        CHECK (token_fingerprint ~ '^sha256:[0-9a-f]{16}$'),
    oidc_repository     text        CHECK (length(oidc_repository) BETWEEN 1 AND 200),
    oidc_workflow_ref   text        CHECK (length(oidc_workflow_ref) <= 512),
    oidc_ref            text        CHECK (length(oidc_ref) <= 512),
    oidc_run_id         text        CHECK (length(oidc_run_id) <= 64),
    note                text        CHECK (length(note) <= 500),
    requested_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((credential = 'token') = (token_fingerprint IS NOT NULL)),
    CHECK ((credential = 'oidc') = (oidc_repository IS NOT NULL))
);
COMMENT ON TABLE rebuild_request IS 'A maintainer''s request that re-queued a failed build: who asked (never the secret) and when; counted for the per-project daily limit.';
-- The limit's question: this project's requests of the last day.
CREATE INDEX rebuild_request_by_project ON rebuild_request (project_id, requested_at);
