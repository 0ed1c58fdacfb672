-- Wheelfarm schema v3: what the PyPI watcher keeps beyond v1's cursors, releases and files.

-- A read that failed leaves the serial where it was; when it failed is kept next to why, and a
-- page that was accepted with entries left out (an absurd version, a file without sha256)
-- says so in last_warning without blocking the project.
ALTER TABLE pypi_cursor
    ADD COLUMN last_error_at timestamptz,
    ADD COLUMN last_warning  text,
    ADD CONSTRAINT pypi_cursor_error_has_time CHECK ((last_error IS NULL) = (last_error_at IS NULL));

-- The root listing is fetched conditionally too, and the slow full reconciliation remembers
-- when it last ran so that a restart does not run it again at once.
ALTER TABLE pypi_global_cursor
    ADD COLUMN etag          text,
    ADD COLUMN reconciled_at timestamptz;

-- The watcher's decisions, written in the same transaction as the rows they describe, so a
-- crash between the commit and the in-process event can be replayed from here.
CREATE TABLE pypi_change (
    id              bigserial PRIMARY KEY,
    project_id      bigint      NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    kind            text        NOT NULL CHECK (kind IN ('RELEASE_DISCOVERED', 'RELEASE_YANK_CHANGED',
                                                         'RELEASE_DELETED', 'FILE_DELETED',
                                                         'UPSTREAM_WHEEL_APPEARED')),
    version         text        NOT NULL CHECK (length(version) BETWEEN 1 AND 200),
    filename        text        CHECK (length(filename) BETWEEN 1 AND 255),
    detail          jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(detail) = 'object'),
    serial          bigint      NOT NULL CHECK (serial >= 0),
    detected_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind IN ('FILE_DELETED', 'UPSTREAM_WHEEL_APPEARED')) = (filename IS NOT NULL))
);
COMMENT ON TABLE pypi_change IS 'What the PyPI watcher noticed (new sdist-only release, yank, deletion, upstream wheel), one row per event.';
CREATE INDEX pypi_change_by_project ON pypi_change (project_id, id);

-- The watcher asks for the opted-in projects on every cycle.
CREATE INDEX project_opted_in ON project (id) WHERE optin_state = 'OPTED_IN';
