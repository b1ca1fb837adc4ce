-- licensor schema, version 11: customer accounts (license-api.md §5.18).
-- A customer account is an organisation that signs its people in with its
-- own OpenID Connect provider (sso_issuer, sso_client_id); customers belong
-- to at most one, and the license users of their licenses may activate
-- with an id_token or code from that provider instead of a password.
CREATE TABLE customer_accounts (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    sso_issuer TEXT NOT NULL DEFAULT '',
    sso_client_id TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (company_id, code)
);
ALTER TABLE customers ADD COLUMN customer_account_id BIGINT REFERENCES customer_accounts (id);
CREATE INDEX customers_customer_account ON customers (customer_account_id);
