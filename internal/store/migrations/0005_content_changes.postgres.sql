-- licensor schema, version 5 (PostgreSQL): changes are reported per license.
-- Each change to what the License API shows notifies the channel
-- licensor_content with the license it touches, or '*' when it may touch
-- any license (products, credentials, companies, users, blacklists, and new
-- licenses, which can change what a user-based check finds). Every instance
-- LISTENs and evicts only the cached answers of those licenses
-- (store/postgres.go). NOTIFY is delivered at commit, in commit order, and
-- collapses repeats within a transaction. The transaction also collects
-- what it changed in the transaction-local setting licensor.changed, which
-- the writing instance reads before it commits so that its own caches
-- follow at once. A session that sets licensor.quiet = 'on' (db copy) is
-- not reported: its readers start with empty caches.
CREATE FUNCTION licensor_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
    lic text;
    seen text;
BEGIN
    IF current_setting('licensor.quiet', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_NARGS = 0 OR (TG_TABLE_NAME = 'licenses' AND TG_OP = 'INSERT') THEN
        lic := '*';
    ELSIF TG_ARGV[0] = 'device_id' THEN
        SELECT license_id::text INTO lic FROM devices WHERE id = (to_jsonb(r) ->> 'device_id')::bigint;
    ELSE
        lic := to_jsonb(r) ->> TG_ARGV[0];
    END IF;
    lic := COALESCE(lic, '*');
    PERFORM pg_notify('licensor_content', lic);
    seen := COALESCE(current_setting('licensor.changed', true), '');
    IF seen <> '*' THEN
        IF lic = '*' OR length(seen) > 4000 THEN
            seen := '*';
        ELSIF position(',' || lic || ',' IN seen) = 0 THEN
            seen := CASE WHEN seen = '' THEN ',' ELSE seen END || lic || ',';
        END IF;
        PERFORM set_config('licensor.changed', seen, true);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER companies_insert_changed AFTER INSERT ON companies FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER companies_update_changed AFTER UPDATE ON companies FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER companies_delete_changed AFTER DELETE ON companies FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER api_credentials_insert_changed AFTER INSERT ON api_credentials FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER api_credentials_update_changed AFTER UPDATE ON api_credentials FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER api_credentials_delete_changed AFTER DELETE ON api_credentials FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER products_insert_changed AFTER INSERT ON products FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER products_update_changed AFTER UPDATE ON products FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER products_delete_changed AFTER DELETE ON products FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER customers_insert_changed AFTER INSERT ON customers FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER customers_update_changed AFTER UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER customers_delete_changed AFTER DELETE ON customers FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER licenses_insert_changed AFTER INSERT ON licenses FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('id');
CREATE TRIGGER licenses_update_changed AFTER UPDATE ON licenses FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('id');
CREATE TRIGGER licenses_delete_changed AFTER DELETE ON licenses FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('id');
CREATE TRIGGER license_user_licenses_insert_changed AFTER INSERT ON license_user_licenses FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER license_user_licenses_update_changed AFTER UPDATE ON license_user_licenses FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER license_user_licenses_delete_changed AFTER DELETE ON license_user_licenses FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER device_blacklist_insert_changed AFTER INSERT ON device_blacklist FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER device_blacklist_update_changed AFTER UPDATE ON device_blacklist FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER device_blacklist_delete_changed AFTER DELETE ON device_blacklist FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER bundle_products_insert_changed AFTER INSERT ON bundle_products FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER bundle_products_update_changed AFTER UPDATE ON bundle_products FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER bundle_products_delete_changed AFTER DELETE ON bundle_products FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER product_features_insert_changed AFTER INSERT ON product_features FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER product_features_update_changed AFTER UPDATE ON product_features FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER product_features_delete_changed AFTER DELETE ON product_features FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER license_features_insert_changed AFTER INSERT ON license_features FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('license_id');
CREATE TRIGGER license_features_update_changed AFTER UPDATE ON license_features FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('license_id');
CREATE TRIGGER license_features_delete_changed AFTER DELETE ON license_features FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('license_id');
CREATE TRIGGER product_custom_fields_insert_changed AFTER INSERT ON product_custom_fields FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER product_custom_fields_update_changed AFTER UPDATE ON product_custom_fields FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER product_custom_fields_delete_changed AFTER DELETE ON product_custom_fields FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER license_custom_fields_insert_changed AFTER INSERT ON license_custom_fields FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('license_id');
CREATE TRIGGER license_custom_fields_update_changed AFTER UPDATE ON license_custom_fields FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('license_id');
CREATE TRIGGER license_custom_fields_delete_changed AFTER DELETE ON license_custom_fields FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('license_id');
CREATE TRIGGER device_variables_insert_changed AFTER INSERT ON device_variables FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('device_id');
CREATE TRIGGER device_variables_update_changed AFTER UPDATE ON device_variables FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('device_id');
CREATE TRIGGER device_variables_delete_changed AFTER DELETE ON device_variables FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('device_id');
CREATE TRIGGER product_versions_insert_changed AFTER INSERT ON product_versions FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER product_versions_update_changed AFTER UPDATE ON product_versions FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER product_versions_delete_changed AFTER DELETE ON product_versions FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER api_credential_products_insert_changed AFTER INSERT ON api_credential_products FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER api_credential_products_update_changed AFTER UPDATE ON api_credential_products FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER api_credential_products_delete_changed AFTER DELETE ON api_credential_products FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER devices_insert_changed AFTER INSERT ON devices FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('license_id');
CREATE TRIGGER devices_update_changed AFTER UPDATE OF is_active, license_user_id, hardware_id ON devices FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('license_id');
CREATE TRIGGER devices_delete_changed AFTER DELETE ON devices FOR EACH ROW EXECUTE FUNCTION licensor_content_changed('license_id');
CREATE TRIGGER license_users_insert_changed AFTER INSERT ON license_users FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER license_users_update_changed AFTER UPDATE OF email, first_name, last_name, phone_number, is_active, is_initial_password ON license_users FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
CREATE TRIGGER license_users_delete_changed AFTER DELETE ON license_users FOR EACH ROW EXECUTE FUNCTION licensor_content_changed();
