-- Project tokens: when each was last used (recorded at most once a minute)
-- and when it stops working. Unix milliseconds; 0 is never. The same as
-- SQLite's 0002_tokens.sql, in PostgreSQL types.

ALTER TABLE tokens ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tokens_project ON tokens(project_id, created_at);
