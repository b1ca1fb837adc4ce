package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Filter is the WHERE of a vendor list (the Management API's filters).
// Clauses come from code; request values only ever reach the database as
// arguments.
type Filter struct {
	clauses []string
	args    []any
}

// Where adds a clause whose "?" placeholders take args, in order.
func (f *Filter) Where(clause string, args ...any) {
	if strings.Count(clause, "?") != len(args) {
		panic("store.Filter: placeholders and arguments differ in number: " + clause)
	}
	f.clauses = append(f.clauses, clause)
	f.args = append(f.args, args...)
}

// Page is a window of a list in an order. OrderBy is a column the caller
// chose from its own list, never request text; ties go by id.
type Page struct {
	Limit, Offset int64
	OrderBy       string
	Desc          bool
}

// listIDs counts the rows of table (aliased t) matching scope and f, and
// returns the ids of one page of them.
func (q *Queries) listIDs(ctx context.Context, table, scope string, scopeArgs []any, f Filter, p Page) (int64, []int64, error) {
	clauses := append([]string{scope}, f.clauses...)
	args := append(append([]any{}, scopeArgs...), f.args...)
	where := numbered(strings.Join(clauses, " AND "))
	var total int64
	if err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` t WHERE `+where, args...).Scan(&total); err != nil {
		return 0, nil, fmt.Errorf("count %s: %w", table, err)
	}
	dir := "ASC"
	if p.Desc {
		dir = "DESC"
	}
	order := "t." + p.OrderBy + " " + dir
	if p.OrderBy != "id" {
		order += ", t.id ASC"
	}
	n := len(args)
	rows, err := q.db.QueryContext(ctx, `SELECT t.id FROM `+table+` t WHERE `+where+` ORDER BY `+order+
		` LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), append(args, p.Limit, p.Offset)...)
	if err != nil {
		return 0, nil, fmt.Errorf("list %s: %w", table, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, nil, err
		}
		ids = append(ids, id)
	}
	return total, ids, rows.Err()
}

// numbered turns "?" placeholders into $1, $2, … .
func numbered(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// LicenseIDs lists the company's licenses matching f (columns of licenses
// as t).
func (q *Queries) LicenseIDs(ctx context.Context, companyID int64, f Filter, p Page) (int64, []int64, error) {
	return q.listIDs(ctx, "licenses", "t.company_id = ?", []any{companyID}, f, p)
}

// DeviceIDs lists the devices of the company's licenses matching f
// (columns of devices as t).
func (q *Queries) DeviceIDs(ctx context.Context, companyID int64, f Filter, p Page) (int64, []int64, error) {
	return q.listIDs(ctx, "devices", "t.license_id IN (SELECT id FROM licenses WHERE company_id = ?)", []any{companyID}, f, p)
}

// HasActiveDevice reports whether a device is active on the license.
func (q *Queries) HasActiveDevice(ctx context.Context, licenseID int64) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM devices WHERE license_id = $1 AND is_active`, licenseID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("active devices: %w", err)
	}
	return n > 0, nil
}

// SetLicenseEnabledTree enables or disables a license and, for a bundle
// license, the licenses of its bundle.
func (q *Queries) SetLicenseEnabledTree(ctx context.Context, companyID, id int64, enabled bool, now time.Time) error {
	return q.execOne(ctx, fmt.Sprintf("license %d", id),
		`UPDATE licenses SET enabled = $1, updated_at = $2 WHERE company_id = $3 AND (id = $4 OR bundle_license_id = $4)`,
		enabled, ms(now), companyID, id)
}

// LicenseUserIDs lists the company's license users matching f (columns of
// license_users as t).
func (q *Queries) LicenseUserIDs(ctx context.Context, companyID int64, f Filter, p Page) (int64, []int64, error) {
	return q.listIDs(ctx, "license_users", "t.company_id = ?", []any{companyID}, f, p)
}

// ActiveDeviceIDsOf lists the active devices of a license.
func (q *Queries) ActiveDeviceIDsOf(ctx context.Context, licenseID int64) ([]int64, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id FROM devices WHERE license_id = $1 AND is_active ORDER BY id`, licenseID)
	if err != nil {
		return nil, fmt.Errorf("active devices: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ResetLicenseCounters sets a license's activation and transfer counters,
// and its users' activation counts on it, to 0, and clears pending
// transfer marks: after a vendor's reset the next activation is no
// transfer (management-api.md §5.7).
func (q *Queries) ResetLicenseCounters(ctx context.Context, licenseID int64, now time.Time) error {
	steps := []struct {
		query string
		args  []any
	}{
		{`UPDATE licenses SET times_activated = 0, transfer_count = 0, updated_at = $2 WHERE id = $1`, []any{licenseID, ms(now)}},
		{`UPDATE license_user_licenses SET total_activations = 0 WHERE license_id = $1`, []any{licenseID}},
		{`UPDATE devices SET transfer_pending = FALSE WHERE license_id = $1 AND transfer_pending`, []any{licenseID}},
		{`DELETE FROM floating_seats WHERE license_id = $1`, []any{licenseID}},
	}
	for _, st := range steps {
		if _, err := q.db.ExecContext(ctx, st.query, st.args...); err != nil {
			return fmt.Errorf("reset license %d: %w", licenseID, err)
		}
	}
	return nil
}

// ProductIDs lists the company's products matching f (columns of products
// as t).
func (q *Queries) ProductIDs(ctx context.Context, companyID int64, f Filter, p Page) (int64, []int64, error) {
	return q.listIDs(ctx, "products", "t.company_id = ?", []any{companyID}, f, p)
}

// VariableRow is a device variable with its times.
type VariableRow struct {
	DeviceVariable
	UpdatedAt time.Time
}

// DeviceVariablesPage lists one page of the company's device variables
// matching f (columns of device_variables as t).
func (q *Queries) DeviceVariablesPage(ctx context.Context, companyID int64, f Filter, p Page) (int64, []VariableRow, error) {
	total, ids, err := q.listIDs(ctx, "device_variables",
		"t.device_id IN (SELECT d.id FROM devices d JOIN licenses l ON l.id = d.license_id WHERE l.company_id = ?)", []any{companyID}, f, p)
	if err != nil || len(ids) == 0 {
		return total, nil, err
	}
	out := make([]VariableRow, 0, len(ids))
	for _, id := range ids {
		var v VariableRow
		var created, updated int64
		if err := q.db.QueryRowContext(ctx, `SELECT id, device_id, variable, value, created_at, updated_at FROM device_variables WHERE id = $1`, id).
			Scan(&v.ID, &v.DeviceID, &v.Variable, &v.Value, &created, &updated); err != nil {
			return 0, nil, fmt.Errorf("device variable: %w", err)
		}
		v.CreatedAt, v.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, v)
	}
	return total, out, nil
}
