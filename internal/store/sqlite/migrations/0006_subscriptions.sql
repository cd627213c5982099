-- Event webhooks: a project's subscriptions, and their deliveries in the
-- one outbox. A delivery belongs to a channel (a bot message) or to a
-- subscription (an event), never both. Times are unix milliseconds.

CREATE TABLE subscriptions (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    -- the event types it wants, a JSON array ("*" for all)
    events          TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    secret          TEXT NOT NULL,
    -- the secret replaced by a rotation, still signing until previous_until
    previous_secret TEXT NOT NULL DEFAULT '',
    previous_until  INTEGER NOT NULL DEFAULT 0,
    -- why deliveries stopped ('' while they go on)
    disabled        TEXT NOT NULL DEFAULT '',
    -- when the endpoint started failing without a success since (0: it is not)
    failing_since   INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX subscriptions_project ON subscriptions(project_id, created_at);

-- SQLite cannot make a column nullable in place: deliveries and their
-- attempts are copied into new tables. The attempts move first, so that
-- dropping the old deliveries deletes no attempt (foreign keys are on, and
-- cannot be turned off inside the migration's transaction); renaming the
-- new deliveries table renames the attempts' reference to it too.
CREATE TABLE deliveries_new (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    channel_id      TEXT REFERENCES channels(id) ON DELETE CASCADE,
    subscription_id TEXT REFERENCES subscriptions(id) ON DELETE CASCADE,
    -- an event's id and type ('' for a bot message)
    event_id        TEXT NOT NULL DEFAULT '',
    event_type      TEXT NOT NULL DEFAULT '',
    -- the order key: the conversation's id for a bot message,
    -- '<subscription id>/<conversation id>' for an event
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
    created_at      INTEGER NOT NULL,
    CHECK ((channel_id IS NULL) <> (subscription_id IS NULL))
);
INSERT INTO deliveries_new (id, project_id, channel_id, conversation_id, seq, url, body, status, attempts, next_at, last_status, last_error, lease_owner, lease_until, created_at)
    SELECT id, project_id, channel_id, conversation_id, seq, url, body, status, attempts, next_at, last_status, last_error, lease_owner, lease_until, created_at FROM deliveries;

CREATE TABLE delivery_attempts_new (
    delivery_id TEXT NOT NULL REFERENCES deliveries_new(id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    owner       TEXT NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER NOT NULL,
    latency_us  INTEGER NOT NULL,
    error       TEXT NOT NULL,
    excerpt     TEXT NOT NULL,
    PRIMARY KEY (delivery_id, n)
);
INSERT INTO delivery_attempts_new (delivery_id, n, owner, at, status, latency_us, error, excerpt)
    SELECT delivery_id, n, owner, at, status, latency_us, error, excerpt FROM delivery_attempts;

DROP TABLE delivery_attempts;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
ALTER TABLE delivery_attempts_new RENAME TO delivery_attempts;

CREATE INDEX deliveries_due ON deliveries(next_at) WHERE status = 'pending';
CREATE INDEX deliveries_order ON deliveries(conversation_id, seq) WHERE status = 'pending';
CREATE INDEX deliveries_channel ON deliveries(channel_id, created_at);
-- a subscription's delivery log, and the next seq of an event's order key
CREATE INDEX deliveries_subscription ON deliveries(subscription_id, created_at) WHERE subscription_id IS NOT NULL;
CREATE INDEX deliveries_events ON deliveries(conversation_id, seq) WHERE subscription_id IS NOT NULL;
