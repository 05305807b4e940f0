-- Version 2: the same tables STRICT (SQLite 3.37), so that a value of the
-- wrong type is refused instead of converted, with the tick failures of an
-- instance. A table cannot become STRICT in place: each is built anew and
-- its rows copied, then renamed (which moves the reference of effects).
CREATE TABLE instances_v2 (id TEXT PRIMARY KEY, revision INTEGER NOT NULL, snapshot TEXT NOT NULL, edition TEXT NOT NULL, lifecycle TEXT NOT NULL, next_deadline INTEGER, updated_at INTEGER NOT NULL, tick_failures INTEGER NOT NULL DEFAULT 0, tick_retry_at INTEGER, tick_error TEXT) STRICT;
INSERT INTO instances_v2 (id, revision, snapshot, edition, lifecycle, next_deadline, updated_at) SELECT CAST(id AS TEXT), revision, CAST(snapshot AS TEXT), edition, lifecycle, next_deadline, updated_at FROM instances;
CREATE TABLE effects_v2 (key TEXT PRIMARY KEY, instance TEXT NOT NULL REFERENCES instances_v2 (id), revision INTEGER NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, document TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')), attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at INTEGER NOT NULL, done_at INTEGER) STRICT;
INSERT INTO effects_v2 SELECT CAST(key AS TEXT), CAST(instance AS TEXT), revision, idx, kind, CAST(document AS TEXT), state, attempts, next_attempt_at, last_error, created_at, done_at FROM effects;
DROP TABLE effects;
DROP TABLE instances;
ALTER TABLE instances_v2 RENAME TO instances;
ALTER TABLE effects_v2 RENAME TO effects;
CREATE INDEX instances_due ON instances (next_deadline, id);
CREATE INDEX effects_order ON effects (instance, revision, idx);
CREATE INDEX effects_ready ON effects (state, next_attempt_at, instance, revision, idx);
