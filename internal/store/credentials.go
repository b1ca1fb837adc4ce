package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Credential is an API key and its sealed shared key.
type Credential struct {
	ID              int64
	CompanyID       int64
	APIKey          string
	SharedKeySealed string
	Label           string
	CreatedAt       time.Time
	RevokedAt       *time.Time
}

// CreateCredential inserts an API credential and returns its id.
func (q *Queries) CreateCredential(ctx context.Context, c Credential) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx,
		`INSERT INTO api_credentials (company_id, api_key, shared_key_sealed, label, created_at)
		 VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		c.CompanyID, c.APIKey, c.SharedKeySealed, c.Label, ms(c.CreatedAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("create credential: %w", ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create credential: %w", err)
	}
	return id, nil
}

// LiveCredential returns the unrevoked credential with apiKey.
func (q *Queries) LiveCredential(ctx context.Context, apiKey string) (*Credential, error) {
	if !StorableText(apiKey) {
		return nil, fmt.Errorf("credential: %w", ErrNotFound)
	}
	var c Credential
	var created int64
	err := q.db.QueryRowContext(ctx,
		`SELECT id, company_id, api_key, shared_key_sealed, label, created_at
		 FROM api_credentials WHERE api_key = $1 AND revoked_at IS NULL`, apiKey).
		Scan(&c.ID, &c.CompanyID, &c.APIKey, &c.SharedKeySealed, &c.Label, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("credential: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("credential: %w", err)
	}
	c.CreatedAt = fromMS(created)
	return &c, nil
}

// RevokeCredential revokes the live credential with apiKey in company.
func (q *Queries) RevokeCredential(ctx context.Context, companyID int64, apiKey string, now time.Time) error {
	return q.execOne(ctx, "credential",
		`UPDATE api_credentials SET revoked_at = $1 WHERE company_id = $2 AND api_key = $3 AND revoked_at IS NULL`,
		ms(now), companyID, apiKey)
}

// Credentials lists a company's API credentials, revoked ones included
// (their shared keys stay sealed).
func (q *Queries) Credentials(ctx context.Context, companyID int64) ([]Credential, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id, company_id, api_key, shared_key_sealed, label, created_at, revoked_at
		 FROM api_credentials WHERE company_id = $1 ORDER BY id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (*Credential, error) {
		var c Credential
		var created int64
		var revoked sql.NullInt64
		if err := row.Scan(&c.ID, &c.CompanyID, &c.APIKey, &c.SharedKeySealed, &c.Label, &created, &revoked); err != nil {
			return nil, err
		}
		c.CreatedAt, c.RevokedAt = fromMS(created), timePtr(revoked)
		return &c, nil
	})
}
