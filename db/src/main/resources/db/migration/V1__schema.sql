-- Wheelfarm schema v1.
-- Invariants live here, not only in Java: names are normalized, hashes are hex, states are
-- checked, build transitions are allowed by a table, and PyPI serials never go backwards.

-- A repository a maintainer registered; its config file says which PyPI projects it publishes.
CREATE TABLE repository (
    id              bigserial PRIMARY KEY,
    url             text        NOT NULL UNIQUE CHECK (length(url) BETWEEN 1 AND 2048),
    head_commit     text        CHECK (head_commit ~ '^[0-9a-f]{40}([0-9a-f]{24})?$'),
    config_error    text,
    checked_at      timestamptz,
    registered_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE repository IS 'A maintainer repository registered for opt-in; its config file is read from the default branch.';

-- A PyPI project the farm knows, keyed by its PEP 503 normalized name.
CREATE TABLE project (
    id              bigserial PRIMARY KEY,
    name            text        NOT NULL UNIQUE
                                CHECK (name ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$' AND name !~ '--' AND length(name) <= 200),
    display_name    text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    repository_id   bigint      REFERENCES repository (id) ON DELETE SET NULL,
    optin_state     text        NOT NULL DEFAULT 'PENDING'
                                CHECK (optin_state IN ('PENDING', 'OPTED_IN', 'REJECTED', 'DISABLED')),
    optin_reason    text,
    -- The maintainer's effective settings (since, prereleases, skip-versions, platforms, ...).
    settings        jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (optin_state <> 'OPTED_IN' OR repository_id IS NOT NULL)
);
COMMENT ON TABLE project IS 'A PyPI project known to the farm, with its opt-in state and the maintainer''s settings.';

-- Where the watcher stands for one project on PyPI: the last serial and ETag it accepted.
CREATE TABLE pypi_cursor (
    project_id      bigint      PRIMARY KEY REFERENCES project (id) ON DELETE CASCADE,
    last_serial     bigint      NOT NULL CHECK (last_serial >= 0),
    etag            text,
    last_error      text,
    checked_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pypi_cursor IS 'Per-project PyPI serial and ETag; the serial can never go backwards.';

-- The global signal (PyPI's newest serial seen in the root listing or the updates feed).
CREATE TABLE pypi_global_cursor (
    id              boolean     PRIMARY KEY DEFAULT true CHECK (id),
    last_serial     bigint      NOT NULL CHECK (last_serial >= 0),
    checked_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pypi_global_cursor IS 'The single row of PyPI''s newest serial seen; never goes backwards.';

-- A serial going backwards means a stale page or a replayed response: refuse it in the database
-- itself so that no code path can rewind the watcher.
CREATE FUNCTION refuse_serial_rewind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.last_serial < OLD.last_serial THEN
        RAISE EXCEPTION 'PyPI serial cannot go backwards (% -> %)', OLD.last_serial, NEW.last_serial
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER pypi_cursor_monotonic BEFORE UPDATE OF last_serial ON pypi_cursor
    FOR EACH ROW EXECUTE FUNCTION refuse_serial_rewind();
CREATE TRIGGER pypi_global_cursor_monotonic BEFORE UPDATE OF last_serial ON pypi_global_cursor
    FOR EACH ROW EXECUTE FUNCTION refuse_serial_rewind();

-- A release of a project as last seen on PyPI. Legacy (non-PEP 440) versions are stored too.
CREATE TABLE release (
    id              bigserial PRIMARY KEY,
    project_id      bigint      NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    version         text        NOT NULL CHECK (length(version) BETWEEN 1 AND 200),
    pep440          boolean     NOT NULL,
    yanked          boolean     NOT NULL DEFAULT false,
    yanked_reason   text,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    UNIQUE (project_id, version),
    CHECK (yanked OR yanked_reason IS NULL)
);
COMMENT ON TABLE release IS 'A release of a project as seen on PyPI; deleted_at marks a release PyPI no longer lists.';

-- A file PyPI serves for a release (sdist, wheel or an older kind), as last seen.
CREATE TABLE pypi_file (
    id              bigserial PRIMARY KEY,
    release_id      bigint      NOT NULL REFERENCES release (id) ON DELETE CASCADE,
    filename        text        NOT NULL CHECK (length(filename) BETWEEN 1 AND 255 AND filename !~ '[/\\]'),
    kind            text        NOT NULL CHECK (kind IN ('sdist', 'wheel', 'other')),
    url             text        NOT NULL,
    sha256          text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size            bigint      NOT NULL CHECK (size >= 0),
    upload_time     timestamptz,
    requires_python text,
    yanked          boolean     NOT NULL DEFAULT false,
    yanked_reason   text,
    deleted_at      timestamptz,
    UNIQUE (release_id, filename),
    CHECK (yanked OR yanked_reason IS NULL)
);
COMMENT ON TABLE pypi_file IS 'A file PyPI serves for a release, with PyPI''s hash, as listed beside the farm''s wheels.';

-- Build states; the allowed moves between them are rows of build_transition_rule.
CREATE TABLE build_transition_rule (
    from_state      text        NOT NULL,
    to_state        text        NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
COMMENT ON TABLE build_transition_rule IS 'Every legal build state change; the build trigger refuses any other.';

INSERT INTO build_transition_rule (from_state, to_state) VALUES
    -- a claimed build is handed to a builder, decided against, or fails before any builder
    -- took it (its sdist is gone, no builder would take it within the attempts allowed)
    ('PENDING', 'DISPATCHED'), ('PENDING', 'SKIPPED'), ('PENDING', 'CANCELLED'), ('PENDING', 'FAILED'),
    -- a dispatched build starts, or its dispatch is lost and it goes back to the queue
    ('DISPATCHED', 'RUNNING'), ('DISPATCHED', 'SUCCEEDED'), ('DISPATCHED', 'FAILED'),
    ('DISPATCHED', 'PENDING'), ('DISPATCHED', 'CANCELLED'),
    -- a running build ends; a transient failure goes back to the queue for a later attempt
    ('RUNNING', 'SUCCEEDED'), ('RUNNING', 'FAILED'), ('RUNNING', 'PENDING'), ('RUNNING', 'CANCELLED'),
    -- the index publishes what succeeded
    ('SUCCEEDED', 'PUBLISHED'),
    -- only an operator's forced retry revives an ended build
    ('FAILED', 'PENDING'), ('CANCELLED', 'PENDING'), ('SKIPPED', 'PENDING');

-- The build ledger: one row per thing worth building once.
CREATE TABLE build (
    id                  bigserial PRIMARY KEY,
    project_id          bigint      NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    version             text        NOT NULL CHECK (length(version) BETWEEN 1 AND 200),
    sdist_filename      text        NOT NULL CHECK (length(sdist_filename) BETWEEN 1 AND 255),
    sdist_url           text        NOT NULL,
    sdist_sha256        text        NOT NULL CHECK (sdist_sha256 ~ '^[0-9a-f]{64}$'),
    -- what the result depends on besides the sdist: worker template, cibuildwheel pin, config
    recipe_fingerprint  text        NOT NULL CHECK (recipe_fingerprint ~ '^[0-9a-f]{64}$'),
    state               text        NOT NULL DEFAULT 'PENDING'
                                    CHECK (state IN ('PENDING', 'DISPATCHED', 'RUNNING', 'SUCCEEDED', 'PUBLISHED',
                                                     'FAILED', 'CANCELLED', 'SKIPPED')),
    origin              text        NOT NULL CHECK (origin IN ('watcher', 'request', 'operator')),
    attempts            integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    -- the lease of the orchestrator instance that claimed the build; an expired lease returns it
    claimed_by          text,
    lease_expires_at    timestamptz,
    -- names the attempt being dispatched everywhere (the GitHub run-name carries it); set at
    -- the first claim of an attempt and kept until a dispatch is recorded, so an instance that
    -- died between dispatching and recording lets the next one find the run instead of
    -- dispatching twice
    request_id          text        UNIQUE CHECK (request_id ~ '^wf-[0-9]+-[0-9]+$'),
    builder             text        CHECK (builder IN ('local', 'github')),
    external_run_id     text,
    external_run_url    text,
    strategy            text,
    failure_kind        text        CHECK (failure_kind IN ('permanent', 'transient')),
    failure_class       text,
    reason              text,
    log_excerpt         text        CHECK (length(log_excerpt) <= 65536),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, version, sdist_sha256, recipe_fingerprint),
    CHECK ((claimed_by IS NULL) = (lease_expires_at IS NULL)),
    CHECK (state <> 'FAILED' OR failure_kind IS NOT NULL),
    CHECK (state NOT IN ('DISPATCHED', 'RUNNING') OR (external_run_id IS NOT NULL AND builder IS NOT NULL))
);
COMMENT ON TABLE build IS 'The build ledger: one row per (project, version, sdist sha256, recipe fingerprint).';

-- The claim's three questions, each answered from a small partial index rather than the ledger:
-- what is due, what holds a slot under the concurrency cap, and whose lease ran out.
CREATE INDEX build_claimable ON build (next_attempt_at, id) WHERE state = 'PENDING' AND claimed_by IS NULL;
CREATE INDEX build_busy ON build (id)
    WHERE state IN ('DISPATCHED', 'RUNNING') OR (state = 'PENDING' AND claimed_by IS NOT NULL);
CREATE INDEX build_leases ON build (lease_expires_at) WHERE claimed_by IS NOT NULL;

-- Every state change of a build, for the status pages and for audits.
CREATE TABLE build_event (
    id              bigserial PRIMARY KEY,
    build_id        bigint      NOT NULL REFERENCES build (id) ON DELETE CASCADE,
    from_state      text,
    to_state        text        NOT NULL,
    reason          text,
    at              timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE build_event IS 'The timeline of a build: every state it entered, when and why.';
CREATE INDEX build_event_by_build ON build_event (build_id, id);

-- Refuses illegal moves and writes the timeline, so no code path can skip either.
CREATE FUNCTION record_build_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.state <> 'PENDING' THEN
            RAISE EXCEPTION 'a build starts PENDING, not %', NEW.state USING ERRCODE = 'check_violation';
        END IF;
        INSERT INTO build_event (build_id, from_state, to_state, reason) VALUES (NEW.id, NULL, NEW.state, NEW.reason);
        RETURN NEW;
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state THEN
        IF NOT EXISTS (SELECT 1 FROM build_transition_rule r
                       WHERE r.from_state = OLD.state AND r.to_state = NEW.state) THEN
            RAISE EXCEPTION 'illegal build transition % -> %', OLD.state, NEW.state
                USING ERRCODE = 'check_violation';
        END IF;
        INSERT INTO build_event (build_id, from_state, to_state, reason) VALUES (NEW.id, OLD.state, NEW.state, NEW.reason);
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER build_transition_insert AFTER INSERT ON build
    FOR EACH ROW EXECUTE FUNCTION record_build_transition();
CREATE TRIGGER build_transition_update BEFORE UPDATE OF state ON build
    FOR EACH ROW EXECUTE FUNCTION record_build_transition();

-- A wheel the farm built, verified and stored (bytes content-addressed by sha256).
CREATE TABLE wheel (
    id                  bigserial PRIMARY KEY,
    build_id            bigint      NOT NULL REFERENCES build (id),
    project_id          bigint      NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    version             text        NOT NULL,
    -- immutable: a filename names the same bytes forever
    filename            text        NOT NULL UNIQUE CHECK (filename ~ '^[^/\\]+\.whl$' AND length(filename) <= 255),
    sha256              text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size                bigint      NOT NULL CHECK (size > 0),
    metadata_sha256     text        NOT NULL CHECK (metadata_sha256 ~ '^[0-9a-f]{64}$'),
    requires_python     text,
    stored_at           timestamptz NOT NULL DEFAULT now(),
    -- withdrawn from the listing (e.g. PyPI gained an official wheel with the same tags)
    withdrawn_at        timestamptz,
    withdrawn_reason    text,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_reason IS NULL))
);
COMMENT ON TABLE wheel IS 'A verified wheel the farm built and serves; filename and bytes never change.';
CREATE INDEX wheel_by_project ON wheel (project_id, version);

-- A filename is immutable: refuse any change of its bytes, its name or its project.
CREATE FUNCTION refuse_wheel_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.filename <> OLD.filename OR NEW.sha256 <> OLD.sha256 OR NEW.size <> OLD.size
       OR NEW.project_id <> OLD.project_id OR NEW.version <> OLD.version THEN
        RAISE EXCEPTION 'wheel % is immutable', OLD.filename USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER wheel_immutable BEFORE UPDATE ON wheel
    FOR EACH ROW EXECUTE FUNCTION refuse_wheel_rewrite();
