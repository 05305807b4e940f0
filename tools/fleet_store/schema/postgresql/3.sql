-- Version 3: every delivery of an effect, kept (fleet attempts, fleet
-- history). A row is written when the delivery is claimed (outcome
-- 'running') and completed with its outcome; a claim whose lease ended
-- before its outcome was recorded becomes 'lease_expired' when the effect
-- is claimed again. `attempt` is the effect's attempt number as claimed
-- (fleet retry starts it again at 1); `id` orders the rows.
CREATE TABLE attempts (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, key TEXT NOT NULL REFERENCES effects (key), attempt INTEGER NOT NULL, started_at BIGINT NOT NULL, duration_ms BIGINT, outcome TEXT NOT NULL CHECK (outcome IN ('running', 'done', 'retry', 'failed', 'lease_expired')), exit_status INTEGER, signal INTEGER, error TEXT, stderr TEXT);
CREATE INDEX attempts_of_effect ON attempts (key, id);
