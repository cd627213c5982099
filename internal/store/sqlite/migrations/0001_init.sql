-- The first schema: projects, tokens, channels, users, conversations,
-- messages, the turn queue (inbox) and the outbox of deliveries.
-- Times are unix milliseconds.

CREATE TABLE projects (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    next_user_id INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL
);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    hash       BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE channels (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    bot            TEXT NOT NULL,
    token_hash     BLOB NOT NULL,
    webhook_url    TEXT NOT NULL,
    webhook_secret TEXT NOT NULL,
    keywords       TEXT NOT NULL,
    -- the secret replaced by a rotation, still signing until previous_until
    previous_secret TEXT NOT NULL DEFAULT '',
    previous_until  INTEGER NOT NULL DEFAULT 0,
    -- why deliveries to the webhook stopped ('' while they go on)
    webhook_disabled TEXT NOT NULL DEFAULT '',
    -- when the webhook started failing without a success since (0: it is not)
    failing_since   INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX channels_project ON channels(project_id, created_at);

CREATE TABLE users (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    id         INTEGER NOT NULL,
    sender_id  TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX users_sender ON users(project_id, sender_id) WHERE sender_id IS NOT NULL;

CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    channel_id  TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    bot         TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    state       BLOB,
    status      TEXT NOT NULL DEFAULT '',
    last_seq    INTEGER NOT NULL DEFAULT 0,
    handled_seq INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (channel_id, user_id)
);
CREATE INDEX conversations_project ON conversations(project_id, updated_at);

CREATE TABLE messages (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    direction       TEXT NOT NULL,
    text            TEXT NOT NULL,
    payload         BLOB,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);

-- One row per conversation with messages not yet handled.
CREATE TABLE turn_queue (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     INTEGER NOT NULL DEFAULT 0,
    queued_at       INTEGER NOT NULL
);
CREATE INDEX turn_queue_due ON turn_queue(lease_until, queued_at);

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    channel_id      TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    url             TEXT NOT NULL,
    body            BLOB NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(next_at) WHERE status = 'pending';
CREATE INDEX deliveries_order ON deliveries(conversation_id, seq) WHERE status = 'pending';
CREATE INDEX deliveries_channel ON deliveries(channel_id, created_at);

CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    owner       TEXT NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER NOT NULL,
    latency_us  INTEGER NOT NULL,
    error       TEXT NOT NULL,
    excerpt     TEXT NOT NULL,
    PRIMARY KEY (delivery_id, n)
);
