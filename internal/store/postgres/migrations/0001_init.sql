-- The first schema: projects, tokens, channels, users, conversations,
-- messages, the turn queue (inbox) and the outbox of deliveries.
-- Times are unix milliseconds. The same schema as SQLite's 0001_init.sql,
-- in PostgreSQL types.

CREATE TABLE projects (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    next_user_id BIGINT NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL
);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    hash       BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE channels (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    bot            TEXT NOT NULL,
    token_hash     BYTEA NOT NULL,
    webhook_url    TEXT NOT NULL,
    webhook_secret TEXT NOT NULL,
    keywords       TEXT NOT NULL,
    -- the secret replaced by a rotation, still signing until previous_until
    previous_secret TEXT NOT NULL DEFAULT '',
    previous_until  BIGINT NOT NULL DEFAULT 0,
    -- why deliveries to the webhook stopped ('' while they go on)
    webhook_disabled TEXT NOT NULL DEFAULT '',
    -- when the webhook started failing without a success since (0: it is not)
    failing_since   BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX channels_project ON channels(project_id, created_at);

CREATE TABLE users (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    id         BIGINT NOT NULL,
    sender_id  TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX users_sender ON users(project_id, sender_id) WHERE sender_id IS NOT NULL;

CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    channel_id  TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    bot         TEXT NOT NULL,
    user_id     BIGINT NOT NULL,
    state       BYTEA,
    status      TEXT NOT NULL DEFAULT '',
    last_seq    BIGINT NOT NULL DEFAULT 0,
    handled_seq BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (channel_id, user_id)
);
CREATE INDEX conversations_project ON conversations(project_id, updated_at);

CREATE TABLE messages (
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    direction       TEXT NOT NULL,
    text            TEXT NOT NULL,
    payload         BYTEA,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);

-- One row per conversation with messages not yet handled.
CREATE TABLE turn_queue (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     BIGINT NOT NULL DEFAULT 0,
    queued_at       BIGINT NOT NULL
);
CREATE INDEX turn_queue_due ON turn_queue(lease_until, queued_at);

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    channel_id      TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    url             TEXT NOT NULL,
    body            BYTEA NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_at         BIGINT NOT NULL,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(next_at) WHERE status = 'pending';
CREATE INDEX deliveries_order ON deliveries(conversation_id, seq) WHERE status = 'pending';
CREATE INDEX deliveries_channel ON deliveries(channel_id, created_at);

CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    n           BIGINT NOT NULL,
    owner       TEXT NOT NULL,
    at          BIGINT NOT NULL,
    status      INTEGER NOT NULL,
    latency_us  BIGINT NOT NULL,
    error       TEXT NOT NULL,
    excerpt     TEXT NOT NULL,
    PRIMARY KEY (delivery_id, n)
);
