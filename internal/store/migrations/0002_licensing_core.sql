-- licensor schema, version 2: what activation, check, trials, features,
-- custom fields, bundles and device variables need (license-api.md §4, §5, §7).

-- Company settings.
ALTER TABLE companies ADD COLUMN allow_multiple_trials BOOLEAN NOT NULL DEFAULT FALSE;

-- Product defaults for new licenses and trials.
ALTER TABLE products ADD COLUMN is_bundle BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE products ADD COLUMN default_license_type TEXT NOT NULL DEFAULT 'perpetual';
ALTER TABLE products ADD COLUMN max_activations BIGINT NOT NULL DEFAULT 1;
ALTER TABLE products ADD COLUMN trial_max_activations BIGINT NOT NULL DEFAULT 1;
ALTER TABLE products ADD COLUMN floating_timeout BIGINT NOT NULL DEFAULT 120;
ALTER TABLE products ADD COLUMN allow_overages BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE products ADD COLUMN max_overages BIGINT NOT NULL DEFAULT 0;

-- Which products a bundle product holds.
CREATE TABLE bundle_products (
    bundle_id BIGINT NOT NULL REFERENCES products (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    PRIMARY KEY (bundle_id, product_id)
);

-- A license of a bundle product holds one license per product of the bundle;
-- those point at it here and share its key and users.
ALTER TABLE licenses ADD COLUMN bundle_license_id BIGINT REFERENCES licenses (id);
ALTER TABLE licenses ADD COLUMN allow_offline_activation BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE licenses ADD COLUMN is_air_gapped BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE licenses ADD COLUMN is_hardware_key_auth BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE licenses ADD COLUMN license_template_id BIGINT;
CREATE INDEX licenses_bundle ON licenses (bundle_license_id);
CREATE INDEX licenses_customer ON licenses (customer_id);

-- Set when a device is deactivated: activating a different device next is a
-- transfer (max_transfers: -1 none allowed, 0 unlimited, N at most N).
ALTER TABLE devices ADD COLUMN transfer_pending BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE devices ADD COLUMN telemetry_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE product_features (
    id {{id}},
    product_id BIGINT NOT NULL REFERENCES products (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    feature_type TEXT NOT NULL CHECK (feature_type IN ('activation', 'consumption')),
    max_consumption BIGINT NOT NULL DEFAULT 0,
    allow_unlimited_consumptions BOOLEAN NOT NULL DEFAULT FALSE,
    allow_negative_consumptions BOOLEAN NOT NULL DEFAULT FALSE,
    allow_overages BOOLEAN NOT NULL DEFAULT FALSE,
    max_overages BIGINT NOT NULL DEFAULT 0,
    reset_consumption BOOLEAN NOT NULL DEFAULT FALSE,
    consumption_period TEXT CHECK (consumption_period IN ('daily', 'weekly', 'monthly', 'annually')),
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    UNIQUE (product_id, code)
);

-- A feature on a license, with the license's own limits and counters.
CREATE TABLE license_features (
    id {{id}},
    license_id BIGINT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    product_feature_id BIGINT NOT NULL REFERENCES product_features (id),
    expiry_date BIGINT,
    max_consumption BIGINT NOT NULL DEFAULT 0,
    total_consumptions BIGINT NOT NULL DEFAULT 0,
    allow_unlimited_consumptions BOOLEAN NOT NULL DEFAULT FALSE,
    allow_negative_consumptions BOOLEAN NOT NULL DEFAULT FALSE,
    allow_overages BOOLEAN NOT NULL DEFAULT FALSE,
    max_overages BIGINT NOT NULL DEFAULT 0,
    reset_consumption BOOLEAN NOT NULL DEFAULT FALSE,
    consumption_period TEXT CHECK (consumption_period IN ('daily', 'weekly', 'monthly', 'annually')),
    created_at BIGINT NOT NULL,
    UNIQUE (license_id, product_feature_id)
);

CREATE TABLE product_custom_fields (
    id {{id}},
    product_id BIGINT NOT NULL REFERENCES products (id),
    name TEXT NOT NULL,
    data_type TEXT CHECK (data_type IN ('number', 'text', 'date/time')),
    default_value TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (product_id, name)
);

CREATE TABLE license_custom_fields (
    license_id BIGINT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    product_custom_field_id BIGINT NOT NULL REFERENCES product_custom_fields (id),
    value TEXT NOT NULL,
    PRIMARY KEY (license_id, product_custom_field_id)
);

-- Trials issued by GET /trial_key, one per device and product unless the
-- company allows more.
CREATE TABLE trials (
    id {{id}},
    company_id BIGINT NOT NULL REFERENCES companies (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    hardware_id TEXT NOT NULL,
    license_id BIGINT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX trials_device ON trials (product_id, hardware_id);

-- Key/value pairs a device reports (activation, track_device_variables).
CREATE TABLE device_variables (
    id {{id}},
    device_id BIGINT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    variable TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (device_id, variable)
);

-- Released versions of a product, for product_details' latest_version.
CREATE TABLE product_versions (
    id {{id}},
    product_id BIGINT NOT NULL REFERENCES products (id),
    version TEXT NOT NULL,
    environment TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT '',
    release_date BIGINT,
    full_link TEXT NOT NULL DEFAULT '',
    filename TEXT NOT NULL DEFAULT '',
    hash_md5 TEXT NOT NULL DEFAULT '',
    eula_link TEXT NOT NULL DEFAULT '',
    release_notes_link TEXT NOT NULL DEFAULT '',
    size TEXT NOT NULL DEFAULT '',
    requires_version TEXT NOT NULL DEFAULT '',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (product_id, environment, channel, version)
);

-- API keys may be limited to some products (api_key_product_not_allowed).
CREATE TABLE api_credential_products (
    api_credential_id BIGINT NOT NULL REFERENCES api_credentials (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id),
    PRIMARY KEY (api_credential_id, product_id)
);
