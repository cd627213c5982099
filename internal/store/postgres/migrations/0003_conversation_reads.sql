-- Reading conversations: the list's order (updated_at DESC, id DESC) from
-- the index, and the execution log of each turn. Times are unix
-- milliseconds. The same schema as SQLite's 0003_conversation_reads.sql,
-- in PostgreSQL types.

-- The list pages by (updated_at, id) within a project. It replaces the
-- index on (project_id, updated_at): a conversation's updated_at changes
-- with each message, so each index on it costs a write per message.
DROP INDEX conversations_project;
CREATE INDEX conversations_project ON conversations(project_id, updated_at, id);

-- One row per turn: the flow's trace as JSON (blocks entered, branches,
-- variables changed, calls with their status and latency, errors), with
-- the values of secrets replaced. seq is the last message the turn
-- handled. id grows with each turn, which orders a conversation's turns
-- and lets the retention sweep find old rows from the start of the table.
CREATE TABLE turn_logs (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    trace           BYTEA NOT NULL
);
CREATE INDEX turn_logs_conversation ON turn_logs(conversation_id, id);
