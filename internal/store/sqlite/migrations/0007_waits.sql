-- Wait blocks on the server (docs/decisions/0010-wait-callbacks.md).
--
-- server_keys holds the server's own secrets, by name, made on first use
-- and kept across restarts: "callback" signs the callback URLs of wait
-- blocks.
--
-- conversations.wait_until is when the wait block the conversation waits
-- at times out (unix milliseconds; 0: it waits at none, or without a
-- time-out), for the sweep that fires time-outs.

CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    key        BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

ALTER TABLE conversations ADD COLUMN wait_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_wait ON conversations(wait_until) WHERE wait_until > 0;
