-- Succeeded builds whose wheels were never published (the process died between the two):
-- the dispatcher looks for them every round, so the question must stay cheap.
CREATE INDEX build_succeeded ON build (updated_at) WHERE state = 'SUCCEEDED';
