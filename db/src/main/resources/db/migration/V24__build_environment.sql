-- What a build's isolated environment installed from the package index (the local
-- builder's build requirements: setuptools, wheel, a backend...), one row per file, as the
-- worker hashed it while it passed the sandbox's index relay. Rewritten at each collected
-- attempt of the build, so it describes the latest one.
CREATE TABLE build_dependency (
    build_id    bigint  NOT NULL REFERENCES build (id) ON DELETE CASCADE,
    filename    text    NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    name        text    NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    version     text    CHECK (length(version) <= 128),
    sha256      text    NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size        bigint  NOT NULL CHECK (size >= 0),
    PRIMARY KEY (build_id, filename)
);
COMMENT ON TABLE build_dependency IS 'The files a build''s isolated environment downloaded from the package index, with their sha256.';
