-- licensor schema, version 9 (SQLite): a change to an OAuth client (a
-- revocation, a new scope) may change what any cached answer shows.
CREATE TRIGGER oauth_clients_insert_changed AFTER INSERT ON oauth_clients BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER oauth_clients_update_changed AFTER UPDATE ON oauth_clients BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
CREATE TRIGGER oauth_clients_delete_changed AFTER DELETE ON oauth_clients BEGIN INSERT INTO content_changes (license_id) VALUES (NULL); END;
