package store

import (
	"context"
	"fmt"
	"time"
)

// LatestTrial returns the newest trial license issued for (product,
// hardware_id).
func (q *Queries) LatestTrial(ctx context.Context, productID int64, hardwareID string) (*License, error) {
	return q.oneLicense(ctx, "trial",
		`SELECT `+prefixed("l.", licenseColumns)+` FROM trials t JOIN licenses l ON l.id = t.license_id
		 WHERE t.product_id = $1 AND t.hardware_id = $2 ORDER BY t.created_at DESC, t.id DESC LIMIT 1`,
		productID, hardwareID)
}

// RecordTrial notes that a trial license was issued to a device, and
// reports whether it could: the device's first trial of the product is
// number 1, and the unique index on (product, device, number) lets only one
// of several concurrent first trials in. With more allowed, a trial takes
// the next number; losing that race to a concurrent one also reports false.
func (q *Queries) RecordTrial(ctx context.Context, companyID, productID int64, hardwareID string, licenseID int64, more bool, now time.Time) (bool, error) {
	query := `INSERT INTO trials (company_id, product_id, hardware_id, license_id, created_at, seq)
		 VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (product_id, hardware_id, seq) DO NOTHING`
	if more {
		query = `INSERT INTO trials (company_id, product_id, hardware_id, license_id, created_at, seq)
		 SELECT $1, $2, $3, $4, $5, COALESCE(MAX(seq), 0) + 1 FROM trials WHERE product_id = $2 AND hardware_id = $3
		 ON CONFLICT (product_id, hardware_id, seq) DO NOTHING`
	}
	return q.conditional(ctx, "record trial", query, companyID, productID, hardwareID, licenseID, ms(now))
}

// CountTrials counts the trials issued for the company's products.
func (q *Queries) CountTrials(ctx context.Context, companyID int64) (int64, error) {
	var n int64
	if err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM trials WHERE company_id = $1`, companyID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count trials: %w", err)
	}
	return n, nil
}

// ProductVersion is a released version of a product.
type ProductVersion struct {
	ID               int64
	ProductID        int64
	Version          string
	Environment      string
	Channel          string
	ReleaseDate      *time.Time
	FullLink         string
	Filename         string
	HashMD5          string
	EulaLink         string
	ReleaseNotesLink string
	Size             string
	RequiresVersion  string
	Enabled          bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

const versionColumns = `id, product_id, version, environment, channel, release_date, full_link, filename, hash_md5,
	eula_link, release_notes_link, size, requires_version, enabled, created_at, updated_at`

// CreateProductVersion inserts v; the same version in the same environment
// and channel is ErrConflict.
func (q *Queries) CreateProductVersion(ctx context.Context, v ProductVersion) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx,
		`INSERT INTO product_versions (product_id, version, environment, channel, release_date, full_link, filename,
			hash_md5, eula_link, release_notes_link, size, requires_version, enabled, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
		v.ProductID, v.Version, v.Environment, v.Channel, msPtr(v.ReleaseDate), v.FullLink, v.Filename, v.HashMD5,
		v.EulaLink, v.ReleaseNotesLink, v.Size, v.RequiresVersion, v.Enabled, ms(v.CreatedAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("version %q: %w", v.Version, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create version: %w", err)
	}
	return id, nil
}

// CredentialProducts lists the products an API credential is limited to;
// none means all products.
func (q *Queries) CredentialProducts(ctx context.Context, credentialID int64) ([]int64, error) {
	rows, err := q.db.QueryContext(ctx,
		`SELECT product_id FROM api_credential_products WHERE api_credential_id = $1 ORDER BY product_id`, credentialID)
	if err != nil {
		return nil, fmt.Errorf("credential products: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*int64, error) {
		var id int64
		return &id, r.Scan(&id)
	})
}

// LimitCredentialToProduct adds a product to those an API credential may use.
func (q *Queries) LimitCredentialToProduct(ctx context.Context, credentialID, productID int64) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO api_credential_products (api_credential_id, product_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		credentialID, productID)
	if err != nil {
		return fmt.Errorf("limit credential: %w", err)
	}
	return nil
}
