-- Version 3: every delivery of an effect, kept (fleet attempts, fleet
-- history). A delivery that failed gets a row when its outcome is
-- recorded (the one that succeeded is kept on its effect's row, below); a
-- claim whose lease ended before its outcome was recorded gets its row,
-- 'lease_expired', when the effect is claimed again. `attempt` is the
-- effect's attempt number as claimed (fleet retry starts it again at 1);
-- `id` orders the rows. `key` names an effect: the rows are written from
-- the effect's own row, and effects are never deleted; it is not declared
-- a foreign key, whose check on each row would cost a dispatcher a tenth
-- of its time for a guarantee the statements already give.
CREATE TABLE attempts (id INTEGER PRIMARY KEY, key TEXT NOT NULL, attempt INTEGER NOT NULL, started_at INTEGER NOT NULL, duration_ms INTEGER, outcome TEXT NOT NULL CHECK (outcome IN ('running', 'done', 'retry', 'failed', 'lease_expired')), exit_status INTEGER, signal INTEGER, error TEXT, stderr TEXT) STRICT;
CREATE INDEX attempts_of_effect ON attempts (key, id);
-- An effect's claim: when the delivery now running was claimed (NULL
-- once a failure or a release is recorded, or before any; kept when the
-- delivery succeeded: its start). `fleet attempts` shows an open claim
-- (the effect pending) as `running`. previous_claimed_at is set by each
-- claim from the claim before it: when that one was claimed, if it never
-- recorded an outcome (its lease ended; the claim writes its
-- lease_expired row).
ALTER TABLE effects ADD COLUMN claimed_at INTEGER;
ALTER TABLE effects ADD COLUMN previous_claimed_at INTEGER;
-- The delivery that succeeded, kept on its effect's row (an effect
-- succeeds once): its duration, its handler's exit status (NULL for a
-- streaming handler) and the end of its standard error; its start stays in
-- claimed_at. `fleet attempts` shows it as its last attempt, `done`.
ALTER TABLE effects ADD COLUMN done_duration_ms INTEGER;
ALTER TABLE effects ADD COLUMN done_exit_status INTEGER;
ALTER TABLE effects ADD COLUMN done_stderr TEXT;
-- The effects not done, in their instance's order: a claim asks, for each
-- ready candidate, whether an earlier effect of its instance is not done,
-- which this index answers without reading the instance's done history.
CREATE INDEX effects_open ON effects (instance, revision, idx) WHERE state <> 'done';
