-- Wheelfarm schema v8: files uploaded by a project's own release process (twine), and
-- stages in which a release is assembled and tried before it is published at once.

-- A project's stage: files that are stored but not yet public. Its token is the secret part
-- of /stage/<token>/simple/; it is kept as it is (not hashed) because the uploader asks for
-- the URL again with the project's credential, and farm builds of a "review" project open a
-- stage that nobody has seen the token of yet. It grants reading unpublished files only.
CREATE TABLE stage (
    id              bigserial PRIMARY KEY,
    project_id      bigint      NOT NULL REFERENCES project (id) ON DELETE CASCADE,
    token           text        NOT NULL UNIQUE CHECK (token ~ '^[A-Za-z0-9_-]{43}$'),
    state           text        NOT NULL DEFAULT 'OPEN' CHECK (state IN ('OPEN', 'PUBLISHED', 'DISCARDED')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    -- when it was published or discarded, and why (e.g. "expired")
    closed_at       timestamptz,
    closed_reason   text,
    CHECK ((state = 'OPEN') = (closed_at IS NULL)),
    CHECK (expires_at > created_at)
);
COMMENT ON TABLE stage IS 'Files of one project assembled out of sight, published together in one transaction or discarded.';
-- One open stage per project: uploads with stage=true and farm builds of a project that
-- publishes on review all land in the same one, the next release being assembled.
CREATE UNIQUE INDEX stage_open_per_project ON stage (project_id) WHERE state = 'OPEN';
CREATE INDEX stage_expiring ON stage (expires_at) WHERE state = 'OPEN';

-- The wheel table holds every file the farm serves itself: wheels the farm built (with their
-- build) and wheels and sdists a project uploaded (without one).
ALTER TABLE wheel ALTER COLUMN build_id DROP NOT NULL;
ALTER TABLE wheel DROP CONSTRAINT wheel_filename_check;
ALTER TABLE wheel
    ADD COLUMN origin      text   NOT NULL DEFAULT 'build' CHECK (origin IN ('build', 'upload')),
    ADD COLUMN kind        text   NOT NULL DEFAULT 'wheel' CHECK (kind IN ('wheel', 'sdist')),
    -- non-null while the file waits in a stage that is not published; deleting the stage
    -- (a discard) deletes its files
    ADD COLUMN stage_id    bigint REFERENCES stage (id) ON DELETE CASCADE,
    -- who uploaded it: "token" or "oidc:<owner/name>@<ref>", for the maintainer's audit
    ADD COLUMN uploaded_by text   CHECK (length(uploaded_by) <= 512),
    ADD CONSTRAINT wheel_filename_check
        CHECK (length(filename) <= 255 AND filename !~ '[/\\]'
               AND ((kind = 'wheel' AND filename ~ '\.whl$') OR (kind = 'sdist' AND filename ~ '\.tar\.gz$'))),
    ADD CONSTRAINT wheel_build_or_upload CHECK ((origin = 'build') = (build_id IS NOT NULL)),
    ADD CONSTRAINT wheel_upload_has_uploader CHECK ((origin = 'upload') = (uploaded_by IS NOT NULL));
-- A wheel's METADATA is served next to it (PEP 658); an sdist's PKG-INFO may be dynamic, so
-- none is served for it.
ALTER TABLE wheel ALTER COLUMN metadata_sha256 DROP NOT NULL;
ALTER TABLE wheel ADD CONSTRAINT wheel_metadata_for_wheels CHECK ((kind = 'wheel') = (metadata_sha256 IS NOT NULL));
CREATE INDEX wheel_by_stage ON wheel (stage_id) WHERE stage_id IS NOT NULL;
COMMENT ON TABLE wheel IS 'A verified file the farm serves (a wheel it built, or a wheel or sdist a project uploaded); filename and bytes never change.';

-- The immutability rule of v1, extended to the new columns: a file's kind and origin are
-- part of what its name means. stage_id may only go from a stage to none (the publish).
CREATE OR REPLACE FUNCTION refuse_wheel_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.filename <> OLD.filename OR NEW.sha256 <> OLD.sha256 OR NEW.size <> OLD.size
       OR NEW.project_id <> OLD.project_id OR NEW.version <> OLD.version
       OR NEW.kind <> OLD.kind OR NEW.origin <> OLD.origin THEN
        RAISE EXCEPTION 'wheel % is immutable', OLD.filename USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.stage_id IS DISTINCT FROM OLD.stage_id AND NEW.stage_id IS NOT NULL THEN
        RAISE EXCEPTION 'file % cannot move into a stage', OLD.filename USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
