-- Fleet schema version 1 (release 0.3.0), SQLite.
CREATE TABLE instances (id TEXT PRIMARY KEY, revision INTEGER NOT NULL, snapshot TEXT NOT NULL, edition TEXT NOT NULL, lifecycle TEXT NOT NULL, next_deadline INTEGER, updated_at INTEGER NOT NULL);
CREATE INDEX instances_due ON instances (next_deadline, id);
CREATE TABLE effects (key TEXT PRIMARY KEY, instance TEXT NOT NULL REFERENCES instances (id), revision INTEGER NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, document TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')), attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at INTEGER NOT NULL, done_at INTEGER);
CREATE INDEX effects_order ON effects (instance, revision, idx);
CREATE INDEX effects_ready ON effects (state, next_attempt_at, instance, revision, idx);
