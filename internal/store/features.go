package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Feature types.
const (
	FeatureActivation  = "activation"
	FeatureConsumption = "consumption"
)

// Consumption holds the limits and counter of consumption (license-level or
// per feature).
type Consumption struct {
	MaxConsumption             int64
	TotalConsumptions          int64
	AllowUnlimitedConsumptions bool
	AllowNegativeConsumptions  bool
	AllowOverages              bool
	MaxOverages                int64
	ResetConsumption           bool
	ConsumptionPeriod          *string
	// PeriodStart is when the period TotalConsumptions counts began (Unix
	// ms; 0: none yet). Only license features have one.
	PeriodStart int64
}

// FeatureFloating is a feature's own floating cloud seats.
type FeatureFloating struct {
	IsFloatingCloud bool
	FloatingUsers   int64
	FloatingTimeout int64 // minutes
}

// ProductFeature is a feature defined on a product; licenses get copies.
type ProductFeature struct {
	ID              int64
	ProductID       int64
	Code            string
	Name            string
	FeatureType     string
	Metadata        string // a JSON object
	Consumption            // defaults for licenses
	FeatureFloating        // defaults for licenses
	CreatedAt       time.Time
}

const productFeatureColumns = `id, product_id, code, name, feature_type, metadata, max_consumption,
	allow_unlimited_consumptions, allow_negative_consumptions, allow_overages, max_overages, reset_consumption,
	consumption_period, created_at, is_floating_cloud, floating_users, floating_timeout`

func scanProductFeature(row interface{ Scan(...any) error }) (*ProductFeature, error) {
	var f ProductFeature
	var period sql.NullString
	var created int64
	c := &f.Consumption
	err := row.Scan(&f.ID, &f.ProductID, &f.Code, &f.Name, &f.FeatureType, &f.Metadata, &c.MaxConsumption,
		&c.AllowUnlimitedConsumptions, &c.AllowNegativeConsumptions, &c.AllowOverages, &c.MaxOverages, &c.ResetConsumption,
		&period, &created, &f.IsFloatingCloud, &f.FloatingUsers, &f.FloatingTimeout)
	if err != nil {
		return nil, err
	}
	if period.Valid {
		c.ConsumptionPeriod = &period.String
	}
	f.CreatedAt = fromMS(created)
	return &f, nil
}

// CreateProductFeature inserts f; a duplicate code on the product is
// ErrConflict.
func (q *Queries) CreateProductFeature(ctx context.Context, f ProductFeature) (int64, error) {
	if f.Metadata == "" {
		f.Metadata = "{}"
	}
	c := f.Consumption
	var id int64
	err := q.db.QueryRowContext(ctx,
		`INSERT INTO product_features (product_id, code, name, feature_type, metadata, max_consumption,
			allow_unlimited_consumptions, allow_negative_consumptions, allow_overages, max_overages, reset_consumption,
			consumption_period, created_at, is_floating_cloud, floating_users, floating_timeout)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		f.ProductID, f.Code, f.Name, f.FeatureType, f.Metadata, c.MaxConsumption, c.AllowUnlimitedConsumptions,
		c.AllowNegativeConsumptions, c.AllowOverages, c.MaxOverages, c.ResetConsumption, nullString(c.ConsumptionPeriod),
		ms(f.CreatedAt), f.IsFloatingCloud, f.FloatingUsers, max(f.FloatingTimeout, 1)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("feature %q: %w", f.Code, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create feature: %w", err)
	}
	return id, nil
}

// ProductFeatures lists a product's features by id.
func (q *Queries) ProductFeatures(ctx context.Context, productID int64) ([]ProductFeature, error) {
	rows, err := q.db.QueryContext(ctx,
		`SELECT `+productFeatureColumns+` FROM product_features WHERE product_id = $1 ORDER BY id`, productID)
	if err != nil {
		return nil, fmt.Errorf("product features: %w", err)
	}
	return collect(rows, scanProductFeature)
}

// LicenseFeature is a feature as a license has it: the product's definition
// with the license's limits, counter and expiry.
type LicenseFeature struct {
	ID               int64 // license_features.id
	LicenseID        int64
	ProductFeatureID int64
	Code             string
	Name             string
	FeatureType      string
	Metadata         string
	ExpiryDate       *time.Time
	Consumption
	FeatureFloating
}

const licenseFeatureSelect = `SELECT lf.id, lf.license_id, lf.product_feature_id, pf.code, pf.name, pf.feature_type,
	pf.metadata, lf.expiry_date, lf.max_consumption, lf.total_consumptions, lf.allow_unlimited_consumptions,
	lf.allow_negative_consumptions, lf.allow_overages, lf.max_overages, lf.reset_consumption, lf.consumption_period,
	lf.consumption_period_start, lf.is_floating_cloud, lf.floating_users, lf.floating_timeout
	FROM license_features lf JOIN product_features pf ON pf.id = lf.product_feature_id`

func scanLicenseFeature(row interface{ Scan(...any) error }) (*LicenseFeature, error) {
	var f LicenseFeature
	var expiry sql.NullInt64
	var period sql.NullString
	c := &f.Consumption
	err := row.Scan(&f.ID, &f.LicenseID, &f.ProductFeatureID, &f.Code, &f.Name, &f.FeatureType, &f.Metadata, &expiry,
		&c.MaxConsumption, &c.TotalConsumptions, &c.AllowUnlimitedConsumptions, &c.AllowNegativeConsumptions,
		&c.AllowOverages, &c.MaxOverages, &c.ResetConsumption, &period, &c.PeriodStart,
		&f.IsFloatingCloud, &f.FloatingUsers, &f.FloatingTimeout)
	if err != nil {
		return nil, err
	}
	f.ExpiryDate = timePtr(expiry)
	if period.Valid {
		c.ConsumptionPeriod = &period.String
	}
	return &f, nil
}

// AddLicenseFeature gives a license a product feature with the feature's
// default limits; giving it twice is ErrConflict.
func (q *Queries) AddLicenseFeature(ctx context.Context, licenseID int64, f ProductFeature, expiry *time.Time, now time.Time) error {
	c := f.Consumption
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO license_features (license_id, product_feature_id, expiry_date, max_consumption,
			allow_unlimited_consumptions, allow_negative_consumptions, allow_overages, max_overages, reset_consumption,
			consumption_period, created_at, is_floating_cloud, floating_users, floating_timeout)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		licenseID, f.ID, msPtr(expiry), c.MaxConsumption, c.AllowUnlimitedConsumptions, c.AllowNegativeConsumptions,
		c.AllowOverages, c.MaxOverages, c.ResetConsumption, nullString(c.ConsumptionPeriod), ms(now),
		f.IsFloatingCloud, f.FloatingUsers, max(f.FloatingTimeout, 1))
	if isUniqueViolation(err) {
		return fmt.Errorf("feature %q on license %d: %w", f.Code, licenseID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("add license feature: %w", err)
	}
	return nil
}

// LicenseFeatures lists a license's features in the order they were added.
func (q *Queries) LicenseFeatures(ctx context.Context, licenseID int64) ([]LicenseFeature, error) {
	rows, err := q.db.QueryContext(ctx, licenseFeatureSelect+` WHERE lf.license_id = $1 ORDER BY lf.id`, licenseID)
	if err != nil {
		return nil, fmt.Errorf("license features: %w", err)
	}
	return collect(rows, scanLicenseFeature)
}

// LicenseFeature returns the license's feature with code.
func (q *Queries) LicenseFeature(ctx context.Context, licenseID int64, code string) (*LicenseFeature, error) {
	f, err := scanLicenseFeature(q.db.QueryRowContext(ctx, licenseFeatureSelect+` WHERE lf.license_id = $1 AND pf.code = $2`, licenseID, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("feature %q: %w", code, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("feature %q: %w", code, err)
	}
	return f, nil
}

// CustomField is a product-defined field; Value is the license's value, or
// the default when the license sets none.
type CustomField struct {
	ID           int64 // product_custom_fields.id
	Name         string
	DataType     *string // "number", "text", "date/time" or nil
	DefaultValue string
	Value        string
}

// CreateProductCustomField defines a custom field on a product.
func (q *Queries) CreateProductCustomField(ctx context.Context, productID int64, name string, dataType *string, defaultValue string, now time.Time) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx,
		`INSERT INTO product_custom_fields (product_id, name, data_type, default_value, created_at)
		 VALUES ($1, $2, $3, $4, $5) RETURNING id`, productID, name, nullString(dataType), defaultValue, ms(now)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("custom field %q: %w", name, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create custom field: %w", err)
	}
	return id, nil
}

// ProductCustomFields lists a product's custom fields by id, with defaults as
// values.
func (q *Queries) ProductCustomFields(ctx context.Context, productID int64) ([]CustomField, error) {
	rows, err := q.db.QueryContext(ctx,
		`SELECT id, name, data_type, default_value, default_value FROM product_custom_fields WHERE product_id = $1 ORDER BY id`, productID)
	if err != nil {
		return nil, fmt.Errorf("custom fields: %w", err)
	}
	return collect(rows, scanCustomField)
}

// LicenseCustomFields lists the custom fields of a license's product with the
// license's values.
func (q *Queries) LicenseCustomFields(ctx context.Context, licenseID, productID int64) ([]CustomField, error) {
	rows, err := q.db.QueryContext(ctx,
		`SELECT f.id, f.name, f.data_type, f.default_value, COALESCE(v.value, f.default_value)
		 FROM product_custom_fields f
		 LEFT JOIN license_custom_fields v ON v.product_custom_field_id = f.id AND v.license_id = $1
		 WHERE f.product_id = $2 ORDER BY f.id`, licenseID, productID)
	if err != nil {
		return nil, fmt.Errorf("license custom fields: %w", err)
	}
	return collect(rows, scanCustomField)
}

func scanCustomField(row interface{ Scan(...any) error }) (*CustomField, error) {
	var f CustomField
	var dt sql.NullString
	if err := row.Scan(&f.ID, &f.Name, &dt, &f.DefaultValue, &f.Value); err != nil {
		return nil, err
	}
	if dt.Valid {
		f.DataType = &dt.String
	}
	return &f, nil
}

// SetLicenseCustomField sets a license's value of a custom field.
func (q *Queries) SetLicenseCustomField(ctx context.Context, licenseID, fieldID int64, value string) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO license_custom_fields (license_id, product_custom_field_id, value) VALUES ($1, $2, $3)
		 ON CONFLICT (license_id, product_custom_field_id) DO UPDATE SET value = excluded.value`, licenseID, fieldID, value)
	if err != nil {
		return fmt.Errorf("set custom field: %w", err)
	}
	return nil
}
