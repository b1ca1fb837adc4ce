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
	Metadata            string
	CreatedAt           time.Time
}

const productColumns = `id, company_id, short_code, name, authorization_method, is_archived, is_disabled,
	allow_trial, trial_days, prevent_vm, metadata, created_at`

func scanProduct(row interface{ Scan(...any) error }) (*Product, error) {
	var p Product
	var created int64
	err := row.Scan(&p.ID, &p.CompanyID, &p.ShortCode, &p.Name, &p.AuthorizationMethod, &p.IsArchived, &p.IsDisabled,
		&p.AllowTrial, &p.TrialDays, &p.PreventVM, &p.Metadata, &created)
	if err != nil {
		return nil, err
	}
	p.CreatedAt = fromMS(created)
	return &p, nil
}

// CreateProduct inserts p and returns its id; a duplicate short code in the
// company is ErrConflict.
func (q *Queries) CreateProduct(ctx context.Context, p Product) (int64, error) {
	if p.Metadata == "" {
		p.Metadata = "{}"
	}
	var id int64
	err := q.db.QueryRowContext(ctx,
		`INSERT INTO products (company_id, short_code, name, authorization_method, is_archived, is_disabled,
			allow_trial, trial_days, prevent_vm, metadata, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		p.CompanyID, p.ShortCode, p.Name, p.AuthorizationMethod, p.IsArchived, p.IsDisabled,
		p.AllowTrial, p.TrialDays, p.PreventVM, p.Metadata, ms(p.CreatedAt)).Scan(&id)
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
