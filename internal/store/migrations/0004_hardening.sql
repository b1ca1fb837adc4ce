-- licensor schema, version 4: every limit and uniqueness rule is claimed in
-- one statement or by a unique index, so that they hold when writers are not
-- serialized (PostgreSQL, several instances), not only under SQLite's single
-- writer.

-- customer_license_users shows initial passwords only when the vendor turns
-- this on (license-api.md §5.15: the API key ships inside every copy of the
-- application, so anyone holding it could read them).
ALTER TABLE companies ADD COLUMN expose_initial_passwords BOOLEAN NOT NULL DEFAULT FALSE;

-- One row once `licensor init` has run: init claims it with an insert that
-- only one of several concurrent inits can win.
CREATE TABLE installation (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    initialized_at BIGINT NOT NULL
);
INSERT INTO installation (id, initialized_at) SELECT 1, created_at FROM companies ORDER BY id LIMIT 1;

-- How many users a license has, claimed with a conditional update against
-- max_license_users instead of counting the links first.
ALTER TABLE licenses ADD COLUMN license_users_count BIGINT NOT NULL DEFAULT 0;
UPDATE licenses SET license_users_count = (SELECT count(*) FROM license_user_licenses lul WHERE lul.license_id = licenses.id);

-- The n-th trial of a device and product. One trial per device is the
-- unique (product, device, 1); companies that allow more trials number them.
ALTER TABLE trials ADD COLUMN seq BIGINT NOT NULL DEFAULT 1;
UPDATE trials SET seq = (SELECT count(*) FROM trials t2
    WHERE t2.product_id = trials.product_id AND t2.hardware_id = trials.hardware_id AND t2.id <= trials.id);
CREATE UNIQUE INDEX trials_device_seq ON trials (product_id, hardware_id, seq);

-- Throttles count attempts in a window per (scope, bucket) in one row, so that
-- an attempt is reserved with one conditional upsert before any password hash
-- runs: parallel guesses can never be checked beyond the limit.
DROP TABLE auth_failures;
CREATE TABLE throttle_windows (
    scope TEXT NOT NULL,
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    PRIMARY KEY (scope, bucket)
);
CREATE INDEX throttle_windows_start ON throttle_windows (window_start);
