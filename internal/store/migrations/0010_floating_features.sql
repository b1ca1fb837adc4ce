-- licensor schema, version 10: floating cloud features. A feature (and each
-- license's copy of it) may have floating_users seats of its own, taken by
-- check_license_feature and held floating_timeout minutes, in
-- floating_seats with license_feature_id set (version 7).
ALTER TABLE product_features ADD COLUMN is_floating_cloud BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE product_features ADD COLUMN floating_users BIGINT NOT NULL DEFAULT 0;
ALTER TABLE product_features ADD COLUMN floating_timeout BIGINT NOT NULL DEFAULT 120;
ALTER TABLE license_features ADD COLUMN is_floating_cloud BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE license_features ADD COLUMN floating_users BIGINT NOT NULL DEFAULT 0;
ALTER TABLE license_features ADD COLUMN floating_timeout BIGINT NOT NULL DEFAULT 120;
