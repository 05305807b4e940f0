-- Version 2: the tick failures of an instance.
ALTER TABLE instances ADD COLUMN tick_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN tick_retry_at BIGINT;
ALTER TABLE instances ADD COLUMN tick_error TEXT;
