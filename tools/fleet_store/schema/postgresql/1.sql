-- Fleet schema version 1 (release 0.3.0), PostgreSQL.
CREATE TABLE instances (id TEXT PRIMARY KEY, revision BIGINT NOT NULL, snapshot TEXT NOT NULL, edition TEXT NOT NULL, lifecycle TEXT NOT NULL, next_deadline BIGINT, updated_at BIGINT NOT NULL);
CREATE INDEX instances_due ON instances (next_deadline, id) WHERE next_deadline IS NOT NULL;
CREATE TABLE effects (key TEXT PRIMARY KEY, instance TEXT NOT NULL REFERENCES instances (id), revision BIGINT NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, document TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')), attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL DEFAULT 0, last_error TEXT, created_at BIGINT NOT NULL, done_at BIGINT);
CREATE INDEX effects_order ON effects (instance, revision, idx);
CREATE INDEX effects_ready ON effects (next_attempt_at, instance, revision, idx) WHERE state = 'pending';
