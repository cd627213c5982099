-- The execution log of a turn that ran inside the transaction accepting
-- its message is kept in that message's row (SQLite's shortest path,
-- decision 12): one row instead of a turn_logs row and its index entry.
-- turn_logs keeps the logs of the other turns. Logs are ordered and paged
-- by seq. The partial index finds old traces for the retention sweep.
ALTER TABLE messages ADD COLUMN trace BLOB;
CREATE INDEX messages_traced ON messages(created_at) WHERE trace IS NOT NULL;
