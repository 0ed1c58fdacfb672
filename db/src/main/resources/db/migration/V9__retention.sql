-- Wheelfarm schema v9: retention (docs/index.md "Retention"). The farm's files are deleted
-- by policy, but a deleted file's row stays as a tombstone: its filename can never name other
-- bytes (PyPI's rule for deleted files too), and the project page shows what went and why.

-- One run of the retention job, written when it starts and completed when it ends.
CREATE TABLE retention_run (
    id              bigserial   PRIMARY KEY,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    projects        integer     NOT NULL DEFAULT 0 CHECK (projects >= 0),
    files_removed   integer     NOT NULL DEFAULT 0 CHECK (files_removed >= 0),
    blobs_deleted   bigint      NOT NULL DEFAULT 0 CHECK (blobs_deleted >= 0),
    failures        integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),
    CHECK (finished_at IS NULL OR finished_at >= started_at)
);
COMMENT ON TABLE retention_run IS 'One run of the retention job: when, how many projects it planned, files it removed (the wheel rows naming the run), blobs it deleted.';

-- The tombstone: a removed file leaves the listing, keeps its row (and so its unique
-- filename), and names the run that removed it.
ALTER TABLE wheel
    ADD COLUMN removed_at       timestamptz,
    ADD COLUMN removed_reason   text CHECK (length(removed_reason) BETWEEN 1 AND 1024),
    ADD COLUMN retention_run_id bigint REFERENCES retention_run (id),
    ADD CONSTRAINT wheel_removal_says_why CHECK ((removed_at IS NULL) = (removed_reason IS NULL)),
    ADD CONSTRAINT wheel_removal_by_run CHECK (retention_run_id IS NULL OR removed_at IS NOT NULL);
COMMENT ON COLUMN wheel.removed_at IS 'When the file was deleted (by retention); the row stays so the filename is never reused.';

-- A removed file stays removed: bringing it back would re-list a name whose bytes may be
-- gone, and a tombstone that can be erased reserves nothing.
CREATE FUNCTION refuse_wheel_resurrection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.removed_at IS NOT NULL AND (NEW.removed_at IS DISTINCT FROM OLD.removed_at
            OR NEW.removed_reason IS DISTINCT FROM OLD.removed_reason
            OR NEW.retention_run_id IS DISTINCT FROM OLD.retention_run_id) THEN
        RAISE EXCEPTION 'wheel % was removed and stays removed', OLD.filename USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER wheel_tombstone BEFORE UPDATE ON wheel
    FOR EACH ROW EXECUTE FUNCTION refuse_wheel_resurrection();

-- "Does any listed file still need these bytes?" is asked for every blob retention frees.
CREATE INDEX wheel_live_sha256 ON wheel (sha256) WHERE removed_at IS NULL;
CREATE INDEX wheel_live_metadata_sha256 ON wheel (metadata_sha256) WHERE removed_at IS NULL;
-- What one run removed, for the project pages.
CREATE INDEX wheel_removed_by_run ON wheel (retention_run_id, project_id) WHERE retention_run_id IS NOT NULL;
