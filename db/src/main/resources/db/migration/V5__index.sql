-- Wheelfarm schema v5: what the index needs beside v1's wheel table.

-- A wheel the ingest refused, with the reason shown to the maintainer. A build whose wheels
-- are refused stays SUCCEEDED (never PUBLISHED): its outputs were built but are not served.
CREATE TABLE wheel_rejection (
    id              bigserial PRIMARY KEY,
    build_id        bigint      NOT NULL REFERENCES build (id) ON DELETE CASCADE,
    filename        text        NOT NULL CHECK (length(filename) BETWEEN 1 AND 1024),
    reason          text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 4096),
    rejected_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (build_id, filename)
);
COMMENT ON TABLE wheel_rejection IS 'A built wheel the ingest refused to store, and why; one row per build and filename.';

-- "Is this filename already on PyPI?" is asked for every wheel the farm is about to store.
CREATE INDEX pypi_file_by_filename ON pypi_file (filename);
