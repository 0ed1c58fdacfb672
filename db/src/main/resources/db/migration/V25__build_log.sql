-- Wheelfarm schema v25: the full log of a build's newest collected run, served as plain text at
-- /builds/<id>/log and searched for the decisive line the build page shows first. One row per
-- build: a retry's log replaces the previous attempt's (the timeline keeps what each attempt
-- was). The farm caps what it stores (builds.BuildLogs: the head and the tail of a longer
-- log), and the check keeps any writer honest.
CREATE TABLE build_log (
    build_id        bigint      PRIMARY KEY REFERENCES build (id) ON DELETE CASCADE,
    attempt         integer     NOT NULL CHECK (attempt >= 0),
    content         text        NOT NULL CHECK (length(content) <= 2200000),
    -- the size of the log as the run produced it, in bytes; larger than the content when cut
    original_bytes  bigint      NOT NULL CHECK (original_bytes >= 0),
    truncated       boolean     NOT NULL,
    stored_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE build_log IS 'The build log of a build''s newest collected run (worker build.log or the engine''s job logs), capped.';
