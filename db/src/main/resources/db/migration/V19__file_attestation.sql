-- Wheelfarm schema v19: PEP 740 attestations of the files the farm serves.
--
-- An attestation is stored only after it verified (sigstore-java, against the trusted root
-- and the project's trusted publisher), in the same transaction as its file's row, so an
-- attested file is never listed without its provenance. Served again as the file's provenance
-- object (/integrity/<project>/<version>/<filename>/provenance), grouped by publisher.

CREATE TABLE file_attestation (
    id              bigserial PRIMARY KEY,
    -- the file it attests; a stage discarded deletes its files, and with them this
    wheel_id        bigint      NOT NULL REFERENCES wheel (id) ON DELETE CASCADE,
    -- the in-toto statement's predicate type: one attestation of each kind per file (PyPI's rule)
    predicate_type  text        NOT NULL CHECK (predicate_type IN ('https://docs.pypi.org/attestations/publish/v1',
                                                                    'https://slsa.dev/provenance/v1')),
    -- PyPI's publisher object: {"kind":"GitHub","repository":…,"workflow":…,"environment":…}
    publisher       jsonb       NOT NULL CHECK (publisher ->> 'kind' = 'GitHub' AND publisher ? 'repository'),
    -- the PEP 740 attestation object, compact JSON text as it is served
    attestation     text        NOT NULL CHECK (length(attestation) BETWEEN 2 AND 65536),
    -- the certificate's identity (SAN) and the log's time, for the file's public record
    signer          text        NOT NULL CHECK (length(signer) BETWEEN 1 AND 1024),
    integrated_at   timestamptz NOT NULL,
    stored_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (wheel_id, predicate_type)
);
COMMENT ON TABLE file_attestation IS
    'A verified PEP 740 attestation of a served file; written once with the file, never changed.';

-- Write-once: what was verified and served under a filename stays what it was.
CREATE FUNCTION refuse_attestation_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the attestation of wheel % is immutable', OLD.wheel_id USING ERRCODE = 'check_violation';
END $$;

CREATE TRIGGER file_attestation_write_once
    BEFORE UPDATE ON file_attestation
    FOR EACH ROW EXECUTE FUNCTION refuse_attestation_rewrite();
