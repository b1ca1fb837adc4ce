-- licensor schema, version 3 (SQLite): a content version that every change
-- to what the License API shows bumps, so that servers can cache responses
-- and drop them the moment anything they show may have changed, whichever
-- process (server, CLI, another instance) made the change. Writes that only
-- record activity (a device's last_seen_at and telemetry, a password
-- re-hash, throttle and audit records) do not bump it.

CREATE TABLE data_version (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);

CREATE TRIGGER companies_insert_version AFTER INSERT ON companies BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER companies_update_version AFTER UPDATE ON companies BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER companies_delete_version AFTER DELETE ON companies BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_credentials_insert_version AFTER INSERT ON api_credentials BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_credentials_update_version AFTER UPDATE ON api_credentials BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_credentials_delete_version AFTER DELETE ON api_credentials BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER products_insert_version AFTER INSERT ON products BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER products_update_version AFTER UPDATE ON products BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER products_delete_version AFTER DELETE ON products BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER customers_insert_version AFTER INSERT ON customers BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER customers_update_version AFTER UPDATE ON customers BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER customers_delete_version AFTER DELETE ON customers BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER licenses_insert_version AFTER INSERT ON licenses BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER licenses_update_version AFTER UPDATE ON licenses BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER licenses_delete_version AFTER DELETE ON licenses BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_user_licenses_insert_version AFTER INSERT ON license_user_licenses BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_user_licenses_update_version AFTER UPDATE ON license_user_licenses BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_user_licenses_delete_version AFTER DELETE ON license_user_licenses BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER device_blacklist_insert_version AFTER INSERT ON device_blacklist BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER device_blacklist_update_version AFTER UPDATE ON device_blacklist BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER device_blacklist_delete_version AFTER DELETE ON device_blacklist BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER bundle_products_insert_version AFTER INSERT ON bundle_products BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER bundle_products_update_version AFTER UPDATE ON bundle_products BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER bundle_products_delete_version AFTER DELETE ON bundle_products BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_features_insert_version AFTER INSERT ON product_features BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_features_update_version AFTER UPDATE ON product_features BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_features_delete_version AFTER DELETE ON product_features BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_features_insert_version AFTER INSERT ON license_features BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_features_update_version AFTER UPDATE ON license_features BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_features_delete_version AFTER DELETE ON license_features BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_custom_fields_insert_version AFTER INSERT ON product_custom_fields BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_custom_fields_update_version AFTER UPDATE ON product_custom_fields BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_custom_fields_delete_version AFTER DELETE ON product_custom_fields BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_custom_fields_insert_version AFTER INSERT ON license_custom_fields BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_custom_fields_update_version AFTER UPDATE ON license_custom_fields BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_custom_fields_delete_version AFTER DELETE ON license_custom_fields BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER device_variables_insert_version AFTER INSERT ON device_variables BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER device_variables_update_version AFTER UPDATE ON device_variables BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER device_variables_delete_version AFTER DELETE ON device_variables BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_versions_insert_version AFTER INSERT ON product_versions BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_versions_update_version AFTER UPDATE ON product_versions BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER product_versions_delete_version AFTER DELETE ON product_versions BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_credential_products_insert_version AFTER INSERT ON api_credential_products BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_credential_products_update_version AFTER UPDATE ON api_credential_products BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_credential_products_delete_version AFTER DELETE ON api_credential_products BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER devices_insert_version AFTER INSERT ON devices BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER devices_delete_version AFTER DELETE ON devices BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER devices_update_version AFTER UPDATE OF is_active, license_user_id, hardware_id ON devices BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_users_insert_version AFTER INSERT ON license_users BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_users_delete_version AFTER DELETE ON license_users BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER license_users_update_version AFTER UPDATE OF email, first_name, last_name, phone_number, is_active, is_initial_password ON license_users BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END;
