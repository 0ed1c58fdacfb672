-- Until issue 18, V2 was a Java migration that read Spring Batch's DDL from
-- the jar at run time; Flyway recorded it as type JDBC with no checksum. V2 is now the SQL
-- file V2__spring_batch_schema.sql with the same statements, so a farm migrated before would
-- fail validation (type and checksum differ) and not start. Before each validation, this
-- rewrites that one history row to what the SQL migration records, and only when:
--   * the row is the old Java one (version 2, type JDBC, no checksum, applied successfully),
--   * and every table and sequence the SQL migration creates exists,
-- so a database in any other state still fails validation loudly, as it should.
-- The checksum below is Flyway's checksum of V2__spring_batch_schema.sql;
-- LegacyBatchSchemaUpgradeTest starts a farm migrated with the old Java V2 and fails if the
-- two ever differ.
DO $$
DECLARE
    history text := quote_ident('${flyway:defaultSchema}') || '.' || quote_ident('${flyway:table}');
    batch_schema text := quote_ident('${flyway:defaultSchema}') || '.';
BEGIN
    -- Before the first migration there is no history table yet: nothing to do.
    IF to_regclass(history) IS NULL THEN
        RETURN;
    END IF;
    IF to_regclass(batch_schema || 'batch_job_instance') IS NULL
       OR to_regclass(batch_schema || 'batch_job_execution') IS NULL
       OR to_regclass(batch_schema || 'batch_job_execution_params') IS NULL
       OR to_regclass(batch_schema || 'batch_step_execution') IS NULL
       OR to_regclass(batch_schema || 'batch_step_execution_context') IS NULL
       OR to_regclass(batch_schema || 'batch_job_execution_context') IS NULL
       OR to_regclass(batch_schema || 'batch_step_execution_seq') IS NULL
       OR to_regclass(batch_schema || 'batch_job_execution_seq') IS NULL
       OR to_regclass(batch_schema || 'batch_job_instance_seq') IS NULL THEN
        RETURN;
    END IF;
    EXECUTE 'UPDATE ' || history || $u$
        SET type = 'SQL', script = 'V2__spring_batch_schema.sql', checksum = -1467359702
        WHERE version = '2' AND type = 'JDBC' AND checksum IS NULL AND success
          AND description = 'spring batch schema'
    $u$;
END
$$;
