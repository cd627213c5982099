-- Answers kept for Idempotency-Keys (docs/api.md "Idempotency"): one row
-- per scope (the token or channel the key belongs to) and key, written in
-- the transaction of the request's effect and kept 24 hours. The body is
-- sealed by the API with the requester's token. Unix milliseconds.

CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    -- SHA-256 of the request: method, path and canonical body
    request_hash  BLOB NOT NULL,
    answer_status INTEGER NOT NULL,
    answer_header TEXT NOT NULL,
    answer_body   BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    PRIMARY KEY (scope, idem_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys(expires_at);
