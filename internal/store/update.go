package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Column is one column assignment of an update.
type Column struct {
	Name  string
	Value any
}

var columnName = regexp.MustCompile(`^[a-z_]+$`)

// updatable are the tables UpdateColumns may change, with the column that
// scopes a row to its company.
var updatable = map[string]string{
	"products":      "company_id",
	"licenses":      "company_id",
	"license_users": "company_id",
	"customers":     "company_id",
}

// UpdateColumns sets columns of one company-scoped row. The rules layer
// decides which columns a vendor may set; this only refuses names that are
// not plain identifiers, as defence in depth.
func (q *Queries) UpdateColumns(ctx context.Context, table string, companyID, id int64, cols []Column, now time.Time) error {
	scope, ok := updatable[table]
	if !ok {
		return fmt.Errorf("update %s: not an updatable table", table)
	}
	if len(cols) == 0 {
		return nil
	}
	sets := make([]string, 0, len(cols)+1)
	args := make([]any, 0, len(cols)+3)
	for i, c := range cols {
		if !columnName.MatchString(c.Name) {
			return fmt.Errorf("update %s: bad column name %q", table, c.Name)
		}
		sets = append(sets, fmt.Sprintf("%s = $%d", c.Name, i+1))
		args = append(args, c.Value)
	}
	n := len(args)
	sets = append(sets, fmt.Sprintf("updated_at = $%d", n+1))
	args = append(args, ms(now), companyID, id)
	return q.execOne(ctx, fmt.Sprintf("%s %d", strings.TrimSuffix(table, "s"), id),
		fmt.Sprintf(`UPDATE %s SET %s WHERE %s = $%d AND id = $%d`, table, strings.Join(sets, ", "), scope, n+2, n+3), args...)
}

// UpdateLicenseFeature sets columns of a license's feature.
func (q *Queries) UpdateLicenseFeature(ctx context.Context, licenseFeatureID int64, cols []Column) error {
	if len(cols) == 0 {
		return nil
	}
	sets := make([]string, 0, len(cols))
	args := make([]any, 0, len(cols)+1)
	for i, c := range cols {
		if !columnName.MatchString(c.Name) {
			return fmt.Errorf("update feature: bad column name %q", c.Name)
		}
		sets = append(sets, fmt.Sprintf("%s = $%d", c.Name, i+1))
		args = append(args, c.Value)
	}
	args = append(args, licenseFeatureID)
	return q.execOne(ctx, fmt.Sprintf("license feature %d", licenseFeatureID),
		fmt.Sprintf(`UPDATE license_features SET %s WHERE id = $%d`, strings.Join(sets, ", "), len(args)), args...)
}

// TouchLicense bumps a license's updated_at after a change to what it owns
// (features, custom fields, users).
func (q *Queries) TouchLicense(ctx context.Context, id int64, now time.Time) error {
	_, err := q.db.ExecContext(ctx, `UPDATE licenses SET updated_at = $1 WHERE id = $2`, ms(now), id)
	if err != nil {
		return fmt.Errorf("touch license: %w", err)
	}
	return nil
}
