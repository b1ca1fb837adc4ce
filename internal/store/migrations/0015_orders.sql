-- licensor schema, version 15: orders (management-api.md §4.6, §5.1). An
-- order is what a vendor's store or CRM sold: its store_id (the vendor's
-- order id) is unique per company, which makes create_order idempotent;
-- request_hash is the SHA-256 of the canonical create_order body, to tell
-- an identical replay from a different request with the same id.
CREATE TABLE orders (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    store_id TEXT NOT NULL,
    created BIGINT,
    is_test BOOLEAN NOT NULL DEFAULT FALSE,
    order_type TEXT NOT NULL DEFAULT 'normal',
    reference TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    campaign_params TEXT NOT NULL DEFAULT '',
    download_id TEXT NOT NULL DEFAULT '',
    prevent_vm BOOLEAN NOT NULL DEFAULT FALSE,
    metadata TEXT NOT NULL DEFAULT '{}',
    customer_id BIGINT REFERENCES customers (id),
    request_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (company_id, store_id)
);
ALTER TABLE licenses ADD COLUMN order_id BIGINT REFERENCES orders (id);
CREATE INDEX licenses_order ON licenses (order_id);
