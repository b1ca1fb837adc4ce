-- licensor schema, version 1: the data model of the whole License API
-- (license-api.md §4, §7). One text serves SQLite and PostgreSQL: ids are
-- BIGINT, times are BIGINT Unix milliseconds (UTC), booleans are BOOLEAN,
-- JSON is TEXT. {{id}} expands to each engine's auto-assigned primary key.

-- A company is a tenant: one software vendor with its own settings,
-- credentials, products and users.
CREATE TABLE companies (
    id {{id}},
    name TEXT NOT NULL,
    -- License users may change their password through the License API
    -- (off by default, as upstream).
    allow_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Server-wide keys, such as the RSA key that signs responses. Every instance
-- that shares the database signs with the same key. The private half is
-- sealed with the server secret, which never enters the database.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    public_pem TEXT NOT NULL,
    private_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- API key + shared key pairs (license-api.md §2.1). The shared key must be
-- readable to recompute request HMACs, so it is sealed, not hashed.
CREATE TABLE api_credentials (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    api_key TEXT NOT NULL UNIQUE,
    shared_key_sealed TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_credentials_company ON api_credentials (company_id);

CREATE TABLE products (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    short_code TEXT NOT NULL,
    name TEXT NOT NULL,
    authorization_method TEXT NOT NULL CHECK (authorization_method IN ('license-key', 'user')),
    is_archived BOOLEAN NOT NULL DEFAULT FALSE,
    is_disabled BOOLEAN NOT NULL DEFAULT FALSE,
    allow_trial BOOLEAN NOT NULL DEFAULT FALSE,
    trial_days BIGINT NOT NULL DEFAULT 0,
    prevent_vm BOOLEAN NOT NULL DEFAULT FALSE,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (company_id, short_code)
);

CREATE TABLE customers (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    email TEXT NOT NULL,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    company_name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    postcode TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (company_id, email)
);

CREATE TABLE licenses (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    customer_id BIGINT REFERENCES customers (id),
    -- NULL for user-based licenses.
    license_key TEXT,
    license_type TEXT NOT NULL CHECK (license_type IN ('perpetual', 'time-limited', 'subscription', 'consumption')),
    is_trial BOOLEAN NOT NULL DEFAULT FALSE,
    trial_days BIGINT NOT NULL DEFAULT 0,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    start_date BIGINT,
    validity_period BIGINT,
    -- A duration such as "30d" or "1y" that sets validity_period at the
    -- first activation (time-limited licenses without a fixed date).
    valid_duration TEXT NOT NULL DEFAULT '',
    enable_maintenance_period BOOLEAN NOT NULL DEFAULT FALSE,
    maintenance_period BIGINT,
    allow_grace_period BOOLEAN NOT NULL DEFAULT FALSE,
    grace_period BIGINT NOT NULL DEFAULT 0, -- hours
    max_activations BIGINT NOT NULL DEFAULT 1,
    allow_unlimited_activations BOOLEAN NOT NULL DEFAULT FALSE,
    times_activated BIGINT NOT NULL DEFAULT 0,
    max_transfers BIGINT NOT NULL DEFAULT 0,
    transfer_count BIGINT NOT NULL DEFAULT 0,
    prevent_vm BOOLEAN NOT NULL DEFAULT FALSE,
    is_floating BOOLEAN NOT NULL DEFAULT FALSE,
    is_floating_cloud BOOLEAN NOT NULL DEFAULT FALSE,
    floating_users BIGINT NOT NULL DEFAULT 0,
    floating_timeout BIGINT NOT NULL DEFAULT 120, -- minutes
    can_borrow BOOLEAN NOT NULL DEFAULT FALSE,
    max_borrow_time BIGINT NOT NULL DEFAULT 0, -- hours
    max_consumptions BIGINT NOT NULL DEFAULT 0,
    total_consumptions BIGINT NOT NULL DEFAULT 0,
    allow_unlimited_consumptions BOOLEAN NOT NULL DEFAULT FALSE,
    allow_negative_consumptions BOOLEAN NOT NULL DEFAULT FALSE,
    allow_overages BOOLEAN NOT NULL DEFAULT FALSE,
    max_overages BIGINT NOT NULL DEFAULT 0,
    reset_consumption BOOLEAN NOT NULL DEFAULT FALSE,
    consumption_period TEXT CHECK (consumption_period IN ('daily', 'weekly', 'monthly', 'annually')),
    max_license_users BIGINT NOT NULL DEFAULT 0, -- 0: unlimited
    order_store_id TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (company_id, license_key)
);
CREATE INDEX licenses_product ON licenses (product_id);

-- End users of user-based licenses, identified by email within a company.
CREATE TABLE license_users (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    email TEXT NOT NULL,
    email_normalized TEXT NOT NULL, -- lower(trim(email)): usernames are case-insensitive
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    phone_number TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL, -- Argon2id PHC string, parameters included
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    is_initial_password BOOLEAN NOT NULL DEFAULT FALSE,
    -- Shown to the vendor until the user changes it; sealed with the server
    -- secret and erased on the first change.
    initial_password_sealed TEXT,
    password_changed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (company_id, email_normalized)
);

-- Which users hold which licenses, with per-user activation limits.
CREATE TABLE license_user_licenses (
    license_id BIGINT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    license_user_id BIGINT NOT NULL REFERENCES license_users (id) ON DELETE CASCADE,
    max_activations BIGINT NOT NULL DEFAULT 0,
    allow_unlimited_activations BOOLEAN NOT NULL DEFAULT TRUE,
    total_activations BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (license_id, license_user_id)
);
CREATE INDEX license_user_licenses_user ON license_user_licenses (license_user_id);

-- A (license, hardware_id) pair: one activation slot while is_active.
CREATE TABLE devices (
    id {{id}},
    license_id BIGINT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    license_user_id BIGINT REFERENCES license_users (id),
    hardware_id TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    activated_at BIGINT NOT NULL,
    deactivated_at BIGINT,
    last_seen_at BIGINT NOT NULL,
    -- Client telemetry (license-api.md §1).
    app_name TEXT NOT NULL DEFAULT '',
    app_ver TEXT NOT NULL DEFAULT '',
    sdk_ver TEXT NOT NULL DEFAULT '',
    os_ver TEXT NOT NULL DEFAULT '',
    hostname TEXT NOT NULL DEFAULT '',
    os_hostname TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    ip_local TEXT NOT NULL DEFAULT '',
    mac_address TEXT NOT NULL DEFAULT '',
    is_vm BOOLEAN NOT NULL DEFAULT FALSE,
    vm_info TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT '',
    env TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (license_id, hardware_id)
);
CREATE INDEX devices_hardware_id ON devices (hardware_id);

CREATE TABLE device_blacklist (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    hardware_id TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (company_id, hardware_id)
);

-- Who did what, when, from where. Never holds a password or a key.
CREATE TABLE audit_events (
    id {{id}},
    company_id BIGINT REFERENCES companies (id),
    occurred_at BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id BIGINT,
    api_credential_id BIGINT REFERENCES api_credentials (id),
    client_ip TEXT NOT NULL DEFAULT '',
    subject_type TEXT NOT NULL DEFAULT '',
    subject_id BIGINT,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_company_time ON audit_events (company_id, occurred_at);

-- Failed credential checks, counted per (scope, bucket) over a sliding window
-- to throttle guessing. Kept in the database so every instance sees them.
CREATE TABLE auth_failures (
    id {{id}},
    scope TEXT NOT NULL, -- 'user' (bucket: company id + username) or 'ip'
    bucket TEXT NOT NULL,
    occurred_at BIGINT NOT NULL
);
CREATE INDEX auth_failures_key ON auth_failures (scope, bucket, occurred_at);
