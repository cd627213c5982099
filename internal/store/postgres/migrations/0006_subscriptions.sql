-- Event webhooks: a project's subscriptions, and their deliveries in the
-- one outbox. A delivery belongs to a channel (a bot message) or to a
-- subscription (an event), never both. Times are unix milliseconds. The
-- same schema as SQLite's 0006_subscriptions.sql, in PostgreSQL types.

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
    previous_until  BIGINT NOT NULL DEFAULT 0,
    -- why deliveries stopped ('' while they go on)
    disabled        TEXT NOT NULL DEFAULT '',
    -- when the endpoint started failing without a success since (0: it is not)
    failing_since   BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX subscriptions_project ON subscriptions(project_id, created_at);

ALTER TABLE deliveries ALTER COLUMN channel_id DROP NOT NULL;
ALTER TABLE deliveries ADD COLUMN subscription_id TEXT REFERENCES subscriptions(id) ON DELETE CASCADE;
-- an event's id and type ('' for a bot message)
ALTER TABLE deliveries ADD COLUMN event_id TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN event_type TEXT NOT NULL DEFAULT '';
-- conversation_id is the order key: the conversation's id for a bot
-- message, '<subscription id>/<conversation id>' for an event.
ALTER TABLE deliveries ADD CONSTRAINT deliveries_one_endpoint CHECK ((channel_id IS NULL) <> (subscription_id IS NULL));

-- a subscription's delivery log, and the next seq of an event's order key
CREATE INDEX deliveries_subscription ON deliveries(subscription_id, created_at) WHERE subscription_id IS NOT NULL;
CREATE INDEX deliveries_events ON deliveries(conversation_id, seq) WHERE subscription_id IS NOT NULL;
