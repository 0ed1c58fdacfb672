-- Wheelfarm schema v22: jobs that run on one replica at a time (issue 16).
--
-- Several replicas share this database. The farm's repeating jobs that must not run twice at
-- once (the PyPI watch, the opt-in re-sync, the static export, retention with its blob sweep,
-- stage expiry) each take a row of shedlock before a run: the replica whose UPDATE/INSERT wins
-- runs, the others skip that turn. The lease (lock_until) is written with the database's own
-- clock and renewed while the run lasts, so a replica that dies lets go within one lease.

-- ShedLock's JDBC provider's table, as its documentation creates it for PostgreSQL; the
-- provider writes timestamps without time zone in UTC.
CREATE TABLE shedlock (
    name       varchar(64)  NOT NULL PRIMARY KEY,
    lock_until timestamp    NOT NULL,
    locked_at  timestamp    NOT NULL,
    locked_by  varchar(255) NOT NULL
);

COMMENT ON TABLE shedlock IS
    'One lease per singleton job (ShedLock): which replica may run it, until when (database time, UTC).';

-- One row per run of a singleton job, by the replica that held its lease: what operators read to
-- see where a job ran and how it ended, and what shows that no two runs of a job overlapped. A
-- run whose replica died keeps finished_at NULL; it held the job until held_until, the end of
-- its last lease.
CREATE TABLE job_run (
    id          bigserial    PRIMARY KEY,
    job         varchar(64)  NOT NULL,
    replica     varchar(255) NOT NULL,
    started_at  timestamptz  NOT NULL DEFAULT clock_timestamp(),
    held_until  timestamptz  NOT NULL,
    finished_at timestamptz,
    outcome     varchar(16)  CHECK (outcome IN ('COMPLETED', 'FAILED')),
    CHECK ((finished_at IS NULL) = (outcome IS NULL)),
    CHECK (finished_at IS NULL OR finished_at >= started_at)
);

CREATE INDEX job_run_job_started ON job_run (job, started_at DESC);

COMMENT ON TABLE job_run IS
    'Every run of a singleton job: job, replica, start, end of its lease, end and outcome (NULL: the replica died).';
