-- Since when the engine has refused a build without a break (a GitHub outage, a rate
-- limit, a missing workflow). A refusal does not spend an attempt, so without a bound a
-- permanent outage would re-queue the build forever; past wheelfarm.dispatch.engine-outage-limit
-- the dispatcher records it as a transient builder-unavailable failure instead, which
-- counts against wheelfarm.builds.max-attempts. Cleared by a dispatch and by any recorded
-- failure.
ALTER TABLE build ADD COLUMN engine_refused_since timestamptz;
COMMENT ON COLUMN build.engine_refused_since IS
    'Start of the current run of engine refusals of this build (NULL: the last dispatch was accepted).';
