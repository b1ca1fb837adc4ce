-- licensor schema, version 5 (SQLite): changes are reported per license.
-- Version 3 kept one content version for the whole database, so any write
-- (an activation on one license) emptied every cache. Now each change to
-- what the License API shows appends to content_changes the license it
-- touches, or NULL when it may touch any license (products, credentials,
-- companies, users, blacklists, and new licenses, which can change what a
-- user-based check finds). Servers read the log after each of their own
-- commits and every 50 ms for other processes' (store/sqlite.go), and evict
-- only the cached answers of those licenses. The log is pruned to its most
-- recent rows; a reader that fell behind the pruning empties its caches.
-- Writes that only record activity (a device's last_seen_at and telemetry,
-- a password re-hash, throttle and audit records) are not logged.

DROP TRIGGER companies_insert_version;
DROP TRIGGER companies_update_version;
DROP TRIGGER companies_delete_version;
DROP TRIGGER api_credentials_insert_version;
DROP TRIGGER api_credentials_update_version;
DROP TRIGGER api_credentials_delete_version;
DROP TRIGGER products_insert_version;
DROP TRIGGER products_update_version;
DROP TRIGGER products_delete_version;
DROP TRIGGER customers_insert_version;
DROP TRIGGER customers_update_version;
DROP TRIGGER customers_delete_version;
DROP TRIGGER licenses_insert_version;
DROP TRIGGER licenses_update_version;
DROP TRIGGER licenses_delete_version;
DROP TRIGGER license_user_licenses_insert_version;
DROP TRIGGER license_user_licenses_update_version;
DROP TRIGGER license_user_licenses_delete_version;
DROP TRIGGER device_blacklist_insert_version;
DROP TRIGGER device_blacklist_update_version;
DROP TRIGGER device_blacklist_delete_version;
DROP TRIGGER bundle_products_insert_version;
DROP TRIGGER bundle_products_update_version;
DROP TRIGGER bundle_products_delete_version;
DROP TRIGGER product_features_insert_version;
DROP TRIGGER product_features_update_version;
DROP TRIGGER product_features_delete_version;
DROP TRIGGER license_features_insert_version;
DROP TRIGGER license_features_update_version;
DROP TRIGGER license_features_delete_version;
DROP TRIGGER product_custom_fields_insert_version;
DROP TRIGGER product_custom_fields_update_version;
DROP TRIGGER product_custom_fields_delete_version;
DROP TRIGGER license_custom_fields_insert_version;
DROP TRIGGER license_custom_fields_update_version;
DROP TRIGGER license_custom_fields_delete_version;
DROP TRIGGER device_variables_insert_version;
DROP TRIGGER device_variables_update_version;
DROP TRIGGER device_variables_delete_version;
DROP TRIGGER product_versions_insert_version;
DROP TRIGGER product_versions_update_version;
DROP TRIGGER product_versions_delete_version;
DROP TRIGGER api_credential_products_insert_version;
DROP TRIGGER api_credential_products_update_version;
DROP TRIGGER api_credential_products_delete_version;
DROP TRIGGER devices_insert_version;
DROP TRIGGER devices_delete_version;
DROP TRIGGER devices_update_version;
DROP TRIGGER license_users_insert_version;
DROP TRIGGER license_users_delete_version;
DROP TRIGGER license_users_update_version;
DROP TABLE data_version;

CREATE TABLE content_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    license_id BIGINT
);

CREATE TRIGGER companies_insert_changed AFTER INSERT ON companies BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER companies_update_changed AFTER UPDATE ON companies BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER companies_delete_changed AFTER DELETE ON companies BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER api_credentials_insert_changed AFTER INSERT ON api_credentials BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER api_credentials_update_changed AFTER UPDATE ON api_credentials BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER api_credentials_delete_changed AFTER DELETE ON api_credentials BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER products_insert_changed AFTER INSERT ON products BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER products_update_changed AFTER UPDATE ON products BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER products_delete_changed AFTER DELETE ON products BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER customers_insert_changed AFTER INSERT ON customers BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER customers_update_changed AFTER UPDATE ON customers BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER customers_delete_changed AFTER DELETE ON customers BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER licenses_insert_changed AFTER INSERT ON licenses BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER licenses_update_changed AFTER UPDATE ON licenses BEGIN INSERT INTO content_changes (license_id) VALUES (NEW.id); END;
CREATE TRIGGER licenses_delete_changed AFTER DELETE ON licenses BEGIN INSERT INTO content_changes (license_id) VALUES (OLD.id); END;
CREATE TRIGGER license_user_licenses_insert_changed AFTER INSERT ON license_user_licenses BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER license_user_licenses_update_changed AFTER UPDATE ON license_user_licenses BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER license_user_licenses_delete_changed AFTER DELETE ON license_user_licenses BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER device_blacklist_insert_changed AFTER INSERT ON device_blacklist BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER device_blacklist_update_changed AFTER UPDATE ON device_blacklist BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER device_blacklist_delete_changed AFTER DELETE ON device_blacklist BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER bundle_products_insert_changed AFTER INSERT ON bundle_products BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER bundle_products_update_changed AFTER UPDATE ON bundle_products BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER bundle_products_delete_changed AFTER DELETE ON bundle_products BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER product_features_insert_changed AFTER INSERT ON product_features BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER product_features_update_changed AFTER UPDATE ON product_features BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER product_features_delete_changed AFTER DELETE ON product_features BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER license_features_insert_changed AFTER INSERT ON license_features BEGIN INSERT INTO content_changes (license_id) VALUES (NEW.license_id); END;
CREATE TRIGGER license_features_update_changed AFTER UPDATE ON license_features BEGIN INSERT INTO content_changes (license_id) VALUES (NEW.license_id); END;
CREATE TRIGGER license_features_delete_changed AFTER DELETE ON license_features BEGIN INSERT INTO content_changes (license_id) VALUES (OLD.license_id); END;
CREATE TRIGGER product_custom_fields_insert_changed AFTER INSERT ON product_custom_fields BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER product_custom_fields_update_changed AFTER UPDATE ON product_custom_fields BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER product_custom_fields_delete_changed AFTER DELETE ON product_custom_fields BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER license_custom_fields_insert_changed AFTER INSERT ON license_custom_fields BEGIN INSERT INTO content_changes (license_id) VALUES (NEW.license_id); END;
CREATE TRIGGER license_custom_fields_update_changed AFTER UPDATE ON license_custom_fields BEGIN INSERT INTO content_changes (license_id) VALUES (NEW.license_id); END;
CREATE TRIGGER license_custom_fields_delete_changed AFTER DELETE ON license_custom_fields BEGIN INSERT INTO content_changes (license_id) VALUES (OLD.license_id); END;
CREATE TRIGGER device_variables_insert_changed AFTER INSERT ON device_variables BEGIN INSERT INTO content_changes (license_id) VALUES ((SELECT license_id FROM devices WHERE id = NEW.device_id)); END;
CREATE TRIGGER device_variables_update_changed AFTER UPDATE ON device_variables BEGIN INSERT INTO content_changes (license_id) VALUES ((SELECT license_id FROM devices WHERE id = NEW.device_id)); END;
CREATE TRIGGER device_variables_delete_changed AFTER DELETE ON device_variables BEGIN INSERT INTO content_changes (license_id) VALUES ((SELECT license_id FROM devices WHERE id = OLD.device_id)); END;
CREATE TRIGGER product_versions_insert_changed AFTER INSERT ON product_versions BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER product_versions_update_changed AFTER UPDATE ON product_versions BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER product_versions_delete_changed AFTER DELETE ON product_versions BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER api_credential_products_insert_changed AFTER INSERT ON api_credential_products BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER api_credential_products_update_changed AFTER UPDATE ON api_credential_products BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER api_credential_products_delete_changed AFTER DELETE ON api_credential_products BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER devices_insert_changed AFTER INSERT ON devices BEGIN INSERT INTO content_changes (license_id) VALUES (NEW.license_id); END;
CREATE TRIGGER devices_update_changed AFTER UPDATE OF is_active, license_user_id, hardware_id ON devices BEGIN INSERT INTO content_changes (license_id) VALUES (NEW.license_id); END;
CREATE TRIGGER devices_delete_changed AFTER DELETE ON devices BEGIN INSERT INTO content_changes (license_id) VALUES (OLD.license_id); END;
CREATE TRIGGER license_users_insert_changed AFTER INSERT ON license_users BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER license_users_update_changed AFTER UPDATE OF email, first_name, last_name, phone_number, is_active, is_initial_password ON license_users BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER license_users_delete_changed AFTER DELETE ON license_users BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
