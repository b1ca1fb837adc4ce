-- licensor schema, version 13: management keys (management-api.md §2.1), the
-- credentials of the vendor Management API under /api/v1. A key is
-- "<prefix>.<secret>": the prefix is kept in clear to find the key, the
-- secret only as SHA-256 (it is random and long, so a slow hash adds
-- nothing). Made only with the CLI.
CREATE TABLE management_keys (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    read_only BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX management_keys_company ON management_keys (company_id);
ALTER TABLE audit_events ADD COLUMN management_key_id BIGINT REFERENCES management_keys (id);
