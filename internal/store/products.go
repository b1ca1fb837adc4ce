package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Authorization methods of a product (license-api.md §7).
const (
	AuthLicenseKey = "license-key"
	AuthUser       = "user"
)

// Product is something a vendor licenses.
type Product struct {
	ID                  int64
	CompanyID           int64
	ShortCode           string
	Name                string
	AuthorizationMethod string
	IsArchived          bool
	IsDisabled          bool
	AllowTrial          bool
	TrialDays           int64
	PreventVM           bool
	Metadata            string // a JSON object
	IsBundle            bool
	DefaultLicenseType  string // type of trial licenses
	MaxActivations      int64  // default for new licenses
	TrialMaxActivations int64
	FloatingTimeout     int64 // minutes
	AllowOverages       bool
	MaxOverages         int64
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

const productColumns = `id, company_id, short_code, name, authorization_method, is_archived, is_disabled,
	allow_trial, trial_days, prevent_vm, metadata, is_bundle, default_license_type, max_activations,
	trial_max_activations, floating_timeout, allow_overages, max_overages, created_at, updated_at`

func scanProduct(row interface{ Scan(...any) error }) (*Product, error) {
	var p Product
	var created, updated int64
	err := row.Scan(&p.ID, &p.CompanyID, &p.ShortCode, &p.Name, &p.AuthorizationMethod, &p.IsArchived, &p.IsDisabled,
		&p.AllowTrial, &p.TrialDays, &p.PreventVM, &p.Metadata, &p.IsBundle, &p.DefaultLicenseType, &p.MaxActivations,
		&p.TrialMaxActivations, &p.FloatingTimeout, &p.AllowOverages, &p.MaxOverages, &created, &updated)
	if err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return &p, nil
}

// CreateProduct inserts p and returns its id; a duplicate short code in the
// company is ErrConflict.
func (q *Queries) CreateProduct(ctx context.Context, p Product) (int64, error) {
	if p.Metadata == "" {
		p.Metadata = "{}"
	}
	if p.DefaultLicenseType == "" {
		p.DefaultLicenseType = LicensePerpetual
	}
	var id int64
	err := q.db.QueryRowContext(ctx,
		`INSERT INTO products (company_id, short_code, name, authorization_method, is_archived, is_disabled,
			allow_trial, trial_days, prevent_vm, metadata, is_bundle, default_license_type, max_activations,
			trial_max_activations, floating_timeout, allow_overages, max_overages, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id`,
		p.CompanyID, p.ShortCode, p.Name, p.AuthorizationMethod, p.IsArchived, p.IsDisabled,
		p.AllowTrial, p.TrialDays, p.PreventVM, p.Metadata, p.IsBundle, p.DefaultLicenseType, p.MaxActivations,
		p.TrialMaxActivations, p.FloatingTimeout, p.AllowOverages, p.MaxOverages, ms(p.CreatedAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("product %q: %w", p.ShortCode, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create product: %w", err)
	}
	return id, nil
}

// ProductByCode returns the company's product with short code.
func (q *Queries) ProductByCode(ctx context.Context, companyID int64, code string) (*Product, error) {
	p, err := scanProduct(q.db.QueryRowContext(ctx,
		`SELECT `+productColumns+` FROM products WHERE company_id = $1 AND short_code = $2`, companyID, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("product %q: %w", code, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("product %q: %w", code, err)
	}
	return p, nil
}

// Product returns the company's product with id.
func (q *Queries) Product(ctx context.Context, companyID, id int64) (*Product, error) {
	p, err := scanProduct(q.db.QueryRowContext(ctx,
		`SELECT `+productColumns+` FROM products WHERE company_id = $1 AND id = $2`, companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("product %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("product %d: %w", id, err)
	}
	return p, nil
}

// AddBundleProduct puts product into bundle.
func (q *Queries) AddBundleProduct(ctx context.Context, bundleID, productID int64) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO bundle_products (bundle_id, product_id) VALUES ($1, $2)`, bundleID, productID)
	if isUniqueViolation(err) {
		return fmt.Errorf("bundle product: %w", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("add bundle product: %w", err)
	}
	return nil
}

// BundleProducts lists the products a bundle holds, by id.
func (q *Queries) BundleProducts(ctx context.Context, bundleID int64) ([]Product, error) {
	rows, err := q.db.QueryContext(ctx,
		`SELECT `+prefixed("p.", productColumns)+` FROM bundle_products b JOIN products p ON p.id = b.product_id
		 WHERE b.bundle_id = $1 ORDER BY p.id`, bundleID)
	if err != nil {
		return nil, fmt.Errorf("bundle products: %w", err)
	}
	return collect(rows, scanProduct)
}
