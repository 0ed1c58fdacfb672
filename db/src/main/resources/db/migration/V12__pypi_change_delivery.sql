-- The watcher publishes each change after the transaction that records it. A process that
-- dies in between used to lose the event (a release never queued for a build); now a change
-- stays undelivered until every listener has heard it, and the next cycle delivers it again.
ALTER TABLE pypi_change ADD COLUMN delivered_at timestamptz;
-- Everything recorded before this migration was delivered by the process that recorded it,
-- or is lost beyond what a replay could still mean.
UPDATE pypi_change SET delivered_at = detected_at;
COMMENT ON COLUMN pypi_change.delivered_at IS 'When the change was published to the farm''s listeners; NULL: still to deliver (replayed by the next watch cycle).';
CREATE INDEX pypi_change_undelivered ON pypi_change (id) WHERE delivered_at IS NULL;
