package store

import (
	"context"
	"fmt"
	"strings"
)

// snapshotTables are the tables Snapshot covers with the column that moves
// when a row changes.
var snapshotTables = []struct{ table, changed string }{
	{"companies", "updated_at"},
	{"api_credentials", "COALESCE(revoked_at, created_at)"},
	{"products", "updated_at"},
	{"customers", "updated_at"},
	{"licenses", "updated_at"},
	{"license_users", "updated_at"},
	{"license_user_licenses", "created_at"},
	{"devices", "updated_at"},
	{"device_blacklist", "created_at"},
	{"audit_events", "occurred_at"},
	{"server_keys", "created_at"},
	{"bundle_products", "0"},
	{"product_features", "created_at"},
	{"license_features", "created_at"},
	{"product_custom_fields", "created_at"},
	{"license_custom_fields", "0"},
	{"trials", "created_at"},
	{"device_variables", "updated_at"},
	{"product_versions", "updated_at"},
	{"api_credential_products", "0"},
}

// Snapshot summarizes the data (row count and latest change per table) so
// that a test or an operator can tell whether a command changed anything.
func (s *Store) Snapshot(ctx context.Context) (string, error) {
	var b strings.Builder
	for _, t := range snapshotTables {
		var n, newest int64
		q := fmt.Sprintf(`SELECT count(*), COALESCE(MAX(%s), 0) FROM %s`, t.changed, t.table)
		if err := s.read.QueryRowContext(ctx, q).Scan(&n, &newest); err != nil {
			return "", fmt.Errorf("snapshot %s: %w", t.table, err)
		}
		fmt.Fprintf(&b, "%s=%d@%d ", t.table, n, newest)
	}
	return strings.TrimSpace(b.String()), nil
}
