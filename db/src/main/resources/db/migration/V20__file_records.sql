-- Wheelfarm schema v20: what the public record of every file (GET /api/files/{filename})
-- needs that the rows did not keep.

-- The parts a build's recipe fingerprint is the hash of (RecipeFingerprint.of): the worker
-- bundle's content hash, the engine, the build options. With them anyone can recompute the
-- fingerprint and see what a wheel was built with. NULL for builds queued before v20.
ALTER TABLE build ADD COLUMN recipe_parts jsonb
    CONSTRAINT build_recipe_parts_object CHECK (recipe_parts IS NULL OR jsonb_typeof(recipe_parts) = 'object');
COMMENT ON COLUMN build.recipe_parts IS
    'The named parts hashed into recipe_fingerprint (bundle, engine, options), so the record can show and re-derive it.';

-- Who uploaded a file, beyond v8's one-line label: the project token's fingerprint (never
-- the secret), or the claims of the OIDC token a workflow run presented. And the stage a
-- file came through: stage_id is cleared when the stage is published, staged_in is not.
ALTER TABLE wheel
    ADD COLUMN upload_token_fingerprint text CHECK (upload_token_fingerprint ~ '^sha256:[0-9a-f]{16}$'),
    ADD COLUMN oidc_repository          text CHECK (length(oidc_repository) BETWEEN 1 AND 200),
    ADD COLUMN oidc_workflow_ref        text CHECK (length(oidc_workflow_ref) <= 512),
    ADD COLUMN oidc_ref                 text CHECK (length(oidc_ref) <= 512),
    ADD COLUMN oidc_run_id              text CHECK (length(oidc_run_id) <= 64),
    ADD COLUMN staged_in                bigint REFERENCES stage (id) ON DELETE CASCADE,
    ADD CONSTRAINT wheel_one_upload_credential
        CHECK (upload_token_fingerprint IS NULL OR oidc_repository IS NULL),
    ADD CONSTRAINT wheel_credentials_for_uploads
        CHECK (origin = 'upload' OR (upload_token_fingerprint IS NULL AND oidc_repository IS NULL));
COMMENT ON COLUMN wheel.staged_in IS 'The stage the file was stored into, kept after the stage is published (stage_id is cleared).';

-- Files already in a stage came through it.
UPDATE wheel SET staged_in = stage_id WHERE stage_id IS NOT NULL;
CREATE INDEX wheel_staged_in ON wheel (staged_in) WHERE staged_in IS NOT NULL;

-- staged_in, like stage_id, is set when the row is made and never moves to another stage.
CREATE FUNCTION refuse_restaging() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.staged_in IS NOT NULL AND NEW.staged_in IS DISTINCT FROM OLD.staged_in THEN
        RAISE EXCEPTION 'file % came through stage % and says so', OLD.filename, OLD.staged_in
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER wheel_staged_in_fixed BEFORE UPDATE OF staged_in ON wheel
    FOR EACH ROW EXECUTE FUNCTION refuse_restaging();
