-- The maintainer's build options a build runs with (worker-templates/options.schema.json),
-- derived from the project's settings when the build is queued, under the same recipe
-- fingerprint. The dispatcher sends exactly this to the build job and the build page shows
-- it, so the plan a build ran with is on record even after the maintainer edits the config.
ALTER TABLE build ADD COLUMN options jsonb NOT NULL DEFAULT '{}'::jsonb
    CONSTRAINT build_options_object CHECK (jsonb_typeof(options) = 'object');
COMMENT ON COLUMN build.options IS 'The build options sent to the worker (options.schema.json): strategy, platforms, build/skip selectors, cibuildwheel options. {} = the defaults.';
