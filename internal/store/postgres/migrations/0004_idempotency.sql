-- Answers kept for Idempotency-Keys (docs/api.md "Idempotency"): one row
-- per scope (the token or channel the key belongs to) and key, written in
-- the transaction of the request's effect and kept 24 hours. The body is
-- sealed by the API with the requester's token. Unix milliseconds. The
-- same as SQLite's 0004_idempotency.sql, in PostgreSQL types.

CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    -- SHA-256 of the request: method, path and canonical body
    request_hash  BYTEA NOT NULL,
    answer_status INTEGER NOT NULL,
    answer_header TEXT NOT NULL,
    answer_body   BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys(expires_at);
