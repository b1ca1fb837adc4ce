-- licensor schema, version 8: OAuth clients (client credentials grant).
-- A client belongs to a company and may be scoped to one license or one
-- customer. Secrets are random 256-bit values, so a SHA-256 of the secret
-- is enough to store (nothing to brute-force, unlike a password); after a
-- rotation the previous secret is accepted until previous_valid_until.
CREATE TABLE oauth_clients (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    previous_secret_hash TEXT,
    previous_valid_until BIGINT,
    license_id BIGINT REFERENCES licenses (id) ON DELETE CASCADE,
    customer_id BIGINT REFERENCES customers (id) ON DELETE CASCADE,
    label TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
ALTER TABLE audit_events ADD COLUMN oauth_client_id BIGINT REFERENCES oauth_clients (id);
