-- Commands: orders to a conversation from outside it (the API's steering
-- routes). The same as SQLite's 0005_commands.sql, in PostgreSQL types.

CREATE TABLE commands (
    id              TEXT NOT NULL UNIQUE,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    body            BYTEA NOT NULL,
    status          TEXT NOT NULL,
    result          BYTEA,
    error           TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    done_at         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, seq)
);
CREATE INDEX commands_pending ON commands(conversation_id, seq) WHERE status = 'pending';
