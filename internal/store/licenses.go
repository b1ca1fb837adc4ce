package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// License types (license-api.md §7).
const (
	LicensePerpetual    = "perpetual"
	LicenseTimeLimited  = "time-limited"
	LicenseSubscription = "subscription"
	LicenseConsumption  = "consumption"
)

// License is one license row; the fields mirror the License object of
// license-api.md §4.
type License struct {
	ID                         int64
	CompanyID                  int64
	ProductID                  int64
	CustomerID                 *int64
	LicenseKey                 *string // nil for user-based licenses
	LicenseType                string
	IsTrial                    bool
	TrialDays                  int64
	Enabled                    bool
	StartDate                  *time.Time
	ValidityPeriod             *time.Time
	ValidDuration              string
	EnableMaintenancePeriod    bool
	MaintenancePeriod          *time.Time
	AllowGracePeriod           bool
	GracePeriod                int64
	MaxActivations             int64
	AllowUnlimitedActivations  bool
	TimesActivated             int64
	MaxTransfers               int64
	TransferCount              int64
	PreventVM                  bool
	IsFloating                 bool
	IsFloatingCloud            bool
	FloatingUsers              int64
	FloatingTimeout            int64
	CanBorrow                  bool
	MaxBorrowTime              int64
	MaxConsumptions            int64
	TotalConsumptions          int64
	AllowUnlimitedConsumptions bool
	AllowNegativeConsumptions  bool
	AllowOverages              bool
	MaxOverages                int64
	ResetConsumption           bool
	ConsumptionPeriod          *string
	// ConsumptionPeriodStart is when the period TotalConsumptions counts
	// began (Unix ms; 0: none yet). See licensing's consumption periods.
	ConsumptionPeriodStart int64
	MaxLicenseUsers        int64
	OrderStoreID           string
	Metadata               string // a JSON object
	BundleLicenseID        *int64 // set on the per-product licenses of a bundle license
	AllowOfflineActivation bool
	IsAirGapped            bool
	IsHardwareKeyAuth      bool
	LicenseTemplateID      *int64
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

// licenseColumns lists the columns in the order of licenseFields.
const licenseColumns = `id, company_id, product_id, customer_id, license_key, license_type, is_trial, trial_days,
	enabled, start_date, validity_period, valid_duration, enable_maintenance_period, maintenance_period,
	allow_grace_period, grace_period, max_activations, allow_unlimited_activations, times_activated,
	max_transfers, transfer_count, prevent_vm, is_floating, is_floating_cloud, floating_users, floating_timeout,
	can_borrow, max_borrow_time, max_consumptions, total_consumptions, allow_unlimited_consumptions,
	allow_negative_consumptions, allow_overages, max_overages, reset_consumption, consumption_period,
	max_license_users, order_store_id, metadata, bundle_license_id, allow_offline_activation, is_air_gapped,
	is_hardware_key_auth, license_template_id, created_at, updated_at, consumption_period_start`

// licenseRow holds the nullable and time columns while scanning.
type licenseRow struct {
	customerID, startDate, validity, maintenance sql.NullInt64
	bundleLicenseID, templateID                  sql.NullInt64
	key, consumptionPeriod                       sql.NullString
	created, updated                             int64
}

// fields returns scan destinations for licenseColumns, in order.
func (l *License) fields(r *licenseRow) []any {
	return []any{&l.ID, &l.CompanyID, &l.ProductID, &r.customerID, &r.key, &l.LicenseType, &l.IsTrial, &l.TrialDays,
		&l.Enabled, &r.startDate, &r.validity, &l.ValidDuration, &l.EnableMaintenancePeriod, &r.maintenance,
		&l.AllowGracePeriod, &l.GracePeriod, &l.MaxActivations, &l.AllowUnlimitedActivations, &l.TimesActivated,
		&l.MaxTransfers, &l.TransferCount, &l.PreventVM, &l.IsFloating, &l.IsFloatingCloud, &l.FloatingUsers, &l.FloatingTimeout,
		&l.CanBorrow, &l.MaxBorrowTime, &l.MaxConsumptions, &l.TotalConsumptions, &l.AllowUnlimitedConsumptions,
		&l.AllowNegativeConsumptions, &l.AllowOverages, &l.MaxOverages, &l.ResetConsumption, &r.consumptionPeriod,
		&l.MaxLicenseUsers, &l.OrderStoreID, &l.Metadata, &r.bundleLicenseID, &l.AllowOfflineActivation, &l.IsAirGapped,
		&l.IsHardwareKeyAuth, &r.templateID, &r.created, &r.updated, &l.ConsumptionPeriodStart}
}

// values returns insert arguments for licenseColumns without id.
func (l *License) values() []any {
	return []any{l.CompanyID, l.ProductID, nullInt(l.CustomerID), nullString(l.LicenseKey), l.LicenseType, l.IsTrial, l.TrialDays,
		l.Enabled, msPtr(l.StartDate), msPtr(l.ValidityPeriod), l.ValidDuration, l.EnableMaintenancePeriod, msPtr(l.MaintenancePeriod),
		l.AllowGracePeriod, l.GracePeriod, l.MaxActivations, l.AllowUnlimitedActivations, l.TimesActivated,
		l.MaxTransfers, l.TransferCount, l.PreventVM, l.IsFloating, l.IsFloatingCloud, l.FloatingUsers, l.FloatingTimeout,
		l.CanBorrow, l.MaxBorrowTime, l.MaxConsumptions, l.TotalConsumptions, l.AllowUnlimitedConsumptions,
		l.AllowNegativeConsumptions, l.AllowOverages, l.MaxOverages, l.ResetConsumption, nullString(l.ConsumptionPeriod),
		l.MaxLicenseUsers, l.OrderStoreID, l.Metadata, nullInt(l.BundleLicenseID), l.AllowOfflineActivation, l.IsAirGapped,
		l.IsHardwareKeyAuth, nullInt(l.LicenseTemplateID), ms(l.CreatedAt), ms(l.UpdatedAt), l.ConsumptionPeriodStart}
}

func scanLicense(row interface{ Scan(...any) error }) (*License, error) {
	var l License
	var r licenseRow
	if err := row.Scan(l.fields(&r)...); err != nil {
		return nil, err
	}
	r.apply(&l)
	return &l, nil
}

// apply moves the nullable and time columns scanned into r onto l.
func (r *licenseRow) apply(l *License) {
	l.CustomerID, l.BundleLicenseID, l.LicenseTemplateID = ptr(r.customerID), ptr(r.bundleLicenseID), ptr(r.templateID)
	if r.key.Valid {
		l.LicenseKey = &r.key.String
	}
	if r.consumptionPeriod.Valid {
		l.ConsumptionPeriod = &r.consumptionPeriod.String
	}
	l.StartDate, l.ValidityPeriod, l.MaintenancePeriod = timePtr(r.startDate), timePtr(r.validity), timePtr(r.maintenance)
	l.CreatedAt, l.UpdatedAt = fromMS(r.created), fromMS(r.updated)
}

// CreateLicense inserts l and returns its id; a duplicate license key in the
// company is ErrConflict.
func (q *Queries) CreateLicense(ctx context.Context, l License) (int64, error) {
	if l.Metadata == "" {
		l.Metadata = "{}"
	}
	vals := l.values()
	ph := ""
	for i := range vals {
		if i > 0 {
			ph += ", "
		}
		ph += fmt.Sprintf("$%d", i+1)
	}
	var id int64
	err := q.db.QueryRowContext(ctx,
		`INSERT INTO licenses (`+licenseColumns[len("id, "):]+`) VALUES (`+ph+`) RETURNING id`, vals...).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("license key: %w", ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create license: %w", err)
	}
	return id, nil
}

// License returns the company's license with id.
func (q *Queries) License(ctx context.Context, companyID, id int64) (*License, error) {
	l, err := scanLicense(q.db.QueryRowContext(ctx,
		`SELECT `+licenseColumns+` FROM licenses WHERE company_id = $1 AND id = $2`, companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("license %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("license %d: %w", id, err)
	}
	return l, nil
}

// SetLicenseEnabled enables or disables a license.
func (q *Queries) SetLicenseEnabled(ctx context.Context, companyID, id int64, enabled bool, now time.Time) error {
	return q.execOne(ctx, fmt.Sprintf("license %d", id),
		`UPDATE licenses SET enabled = $1, updated_at = $2 WHERE company_id = $3 AND id = $4`, enabled, ms(now), companyID, id)
}

func nullInt(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

func nullString(p *string) sql.NullString {
	if p == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *p, Valid: true}
}

func (q *Queries) oneLicense(ctx context.Context, what, query string, args ...any) (*License, error) {
	l, err := scanLicense(q.db.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return l, nil
}

// LicenseByKey returns the company's license with key.
func (q *Queries) LicenseByKey(ctx context.Context, companyID int64, key string) (*License, error) {
	return q.oneLicense(ctx, "license by key",
		`SELECT `+licenseColumns+` FROM licenses WHERE company_id = $1 AND license_key = $2`, companyID, key)
}

// BundleChild returns the license of product inside the bundle license.
func (q *Queries) BundleChild(ctx context.Context, bundleLicenseID, productID int64) (*License, error) {
	return q.oneLicense(ctx, "bundle license",
		`SELECT `+licenseColumns+` FROM licenses WHERE bundle_license_id = $1 AND product_id = $2`, bundleLicenseID, productID)
}

// BundleChildren lists the per-product licenses of a bundle license, in
// product order.
func (q *Queries) BundleChildren(ctx context.Context, bundleLicenseID int64) ([]License, error) {
	rows, err := q.db.QueryContext(ctx,
		`SELECT `+licenseColumns+` FROM licenses WHERE bundle_license_id = $1 ORDER BY product_id, id`, bundleLicenseID)
	if err != nil {
		return nil, fmt.Errorf("bundle licenses: %w", err)
	}
	return collect(rows, scanLicense)
}

// UserLicenses lists the licenses a license user holds, newest first,
// optionally only those of one product (productID 0: all).
func (q *Queries) UserLicenses(ctx context.Context, userID, productID int64) ([]License, error) {
	query := `SELECT ` + prefixed("l.", licenseColumns) + `
		 FROM license_user_licenses lul JOIN licenses l ON l.id = lul.license_id
		 WHERE lul.license_user_id = $1`
	args := []any{userID}
	if productID != 0 {
		query += ` AND l.product_id = $2`
		args = append(args, productID)
	}
	rows, err := q.db.QueryContext(ctx, query+` ORDER BY l.created_at DESC, l.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("user licenses: %w", err)
	}
	return collect(rows, scanLicense)
}

// ClaimActivation takes one activation slot of the license: it raises
// times_activated unless the limit is reached, in one statement, so that
// concurrent activations can never pass max_activations.
func (q *Queries) ClaimActivation(ctx context.Context, licenseID int64, now time.Time) (bool, error) {
	return q.conditional(ctx, "claim activation",
		`UPDATE licenses SET times_activated = times_activated + 1, updated_at = $2
		 WHERE id = $1 AND (allow_unlimited_activations OR times_activated < max_activations)`, licenseID, ms(now))
}

// ReleaseActivation gives back an activation slot.
func (q *Queries) ReleaseActivation(ctx context.Context, licenseID int64, now time.Time) error {
	_, err := q.db.ExecContext(ctx,
		`UPDATE licenses SET times_activated = times_activated - 1, updated_at = $2 WHERE id = $1 AND times_activated > 0`,
		licenseID, ms(now))
	if err != nil {
		return fmt.Errorf("release activation: %w", err)
	}
	return nil
}

// ClaimTransfer counts a device transfer unless max_transfers forbids it
// (-1: never, 0: unlimited, N: at most N).
func (q *Queries) ClaimTransfer(ctx context.Context, licenseID int64, now time.Time) (bool, error) {
	return q.conditional(ctx, "claim transfer",
		`UPDATE licenses SET transfer_count = transfer_count + 1, updated_at = $2
		 WHERE id = $1 AND (max_transfers = 0 OR transfer_count < max_transfers)`, licenseID, ms(now))
}

// StartValidity sets the expiry of a license that runs for a duration from
// its first activation, if not yet set.
func (q *Queries) StartValidity(ctx context.Context, licenseID int64, validity, now time.Time) error {
	_, err := q.db.ExecContext(ctx,
		`UPDATE licenses SET validity_period = $2, updated_at = $3 WHERE id = $1 AND validity_period IS NULL`,
		licenseID, ms(validity), ms(now))
	if err != nil {
		return fmt.Errorf("start validity: %w", err)
	}
	return nil
}

// conditional runs an UPDATE and reports whether it touched a row.
func (q *Queries) conditional(ctx context.Context, what, query string, args ...any) (bool, error) {
	res, err := q.db.ExecContext(ctx, query, args...)
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	return n > 0, nil
}
