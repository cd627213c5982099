-- Commands: orders to a conversation from outside it (the API's steering
-- routes: send a message, set session variables, pause, unpause, trigger
-- a block). Each takes the conversation's next sequence number, like an
-- inbound message, and the conversation's turns carry out its messages and
-- commands in that order (docs/decisions/0009-steering-through-the-turn-queue.md).
-- body and result are JSON; times are unix milliseconds (done_at 0 while
-- pending).

CREATE TABLE commands (
    id              TEXT NOT NULL UNIQUE,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    body            BLOB NOT NULL,
    status          TEXT NOT NULL,
    result          BLOB,
    error           TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    done_at         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, seq)
);
CREATE INDEX commands_pending ON commands(conversation_id, seq) WHERE status = 'pending';
