-- licensor schema, version 14: Idempotency-Key on Management API writes
-- (management-api.md §1.12). Per management key and Idempotency-Key: a
-- hash of method, path and body, and the first successful answer, kept 24
-- hours. A row that is still "running" is a request in flight.
CREATE TABLE idempotency_keys (
    management_key_id BIGINT NOT NULL REFERENCES management_keys (id) ON DELETE CASCADE,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    running BOOLEAN NOT NULL,
    status BIGINT NOT NULL DEFAULT 0,
    location TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (management_key_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
