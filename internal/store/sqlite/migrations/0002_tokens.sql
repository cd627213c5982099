-- Project tokens: when each was last used (recorded at most once a minute)
-- and when it stops working. Unix milliseconds; 0 is never.

ALTER TABLE tokens ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tokens_project ON tokens(project_id, created_at);
