-- Wheelfarm schema v23: the pull-through cache of PyPI for build dependencies
-- (docs/operators.md "The PyPI cache"). It holds upstream's pages as received and the files
-- it fetched once; it never mixes with the farm's own wheels (table wheel).

-- One upstream project page, as upstream sent it (PEP 691 JSON), with the ETag to revalidate it.
CREATE TABLE cache_page (
    project     text        PRIMARY KEY CHECK (project ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$'),
    etag        text        CHECK (length(etag) <= 1024),
    body        bytea       NOT NULL,
    fetched_at  timestamptz NOT NULL,
    checked_at  timestamptz NOT NULL,
    CHECK (checked_at >= fetched_at)
);
COMMENT ON TABLE cache_page IS 'Upstream project pages held by the PyPI cache: the body as received, its ETag, when it was last fetched (200) and last confirmed (200 or 304).';

-- One file the cache fetched, verified against upstream''s hash and stored in the blob store.
-- A PEP 658 metadata file is a row of its own, named "<file>.metadata" under its file''s hash.
CREATE TABLE cache_file (
    file_sha256  text        NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    filename     text        NOT NULL CHECK (length(filename) BETWEEN 1 AND 512 AND filename !~ '[/\\]'),
    sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    project      text        NOT NULL,
    size         bigint      NOT NULL CHECK (size >= 0),
    stored_at    timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    PRIMARY KEY (file_sha256, filename)
);
COMMENT ON TABLE cache_file IS 'Files held by the PyPI cache: the hash in their URL (the listed file''s), the stored bytes'' hash (the blob), size and last use for the LRU sweep. Retention''s blob sweep counts these blobs as needed.';
CREATE INDEX cache_file_sha256 ON cache_file (sha256);
CREATE INDEX cache_file_last_used ON cache_file (last_used_at);
