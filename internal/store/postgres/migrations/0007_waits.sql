-- Wait blocks on the server: the server's keys and when a conversation's
-- wait times out. The same as SQLite's 0007_waits.sql, in PostgreSQL
-- types.

CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    key        BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

ALTER TABLE conversations ADD COLUMN wait_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX conversations_wait ON conversations(wait_until) WHERE wait_until > 0;
