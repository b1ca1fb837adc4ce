package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ManagementKey is a credential of the Management API (management-api.md
// §2.1); the secret itself is never stored.
type ManagementKey struct {
	ID         int64
	CompanyID  int64
	Prefix     string
	SecretHash string
	Label      string
	ReadOnly   bool
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

const mgmtKeyColumns = `id, company_id, prefix, secret_hash, label, read_only, created_at, last_used_at, revoked_at`

func scanManagementKey(row interface{ Scan(...any) error }) (*ManagementKey, error) {
	var k ManagementKey
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&k.ID, &k.CompanyID, &k.Prefix, &k.SecretHash, &k.Label, &k.ReadOnly, &created, &used, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = fromMS(created), timePtr(used), timePtr(revoked)
	return &k, nil
}

// CreateManagementKey inserts k; a prefix already taken is ErrConflict.
func (q *Queries) CreateManagementKey(ctx context.Context, k ManagementKey) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx, `INSERT INTO management_keys (company_id, prefix, secret_hash, label, read_only, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, k.CompanyID, k.Prefix, k.SecretHash, k.Label, k.ReadOnly, ms(k.CreatedAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("management key %s: %w", k.Prefix, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create management key: %w", err)
	}
	return id, nil
}

// LiveManagementKey returns the unrevoked key with prefix, or ErrNotFound.
func (q *Queries) LiveManagementKey(ctx context.Context, prefix string) (*ManagementKey, error) {
	k, err := scanManagementKey(q.db.QueryRowContext(ctx,
		`SELECT `+mgmtKeyColumns+` FROM management_keys WHERE prefix = $1 AND revoked_at IS NULL`, prefix))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("management key: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("management key: %w", err)
	}
	return k, nil
}

// ManagementKeys lists a company's keys, revoked ones included.
func (q *Queries) ManagementKeys(ctx context.Context, companyID int64) ([]ManagementKey, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+mgmtKeyColumns+` FROM management_keys WHERE company_id = $1 ORDER BY id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("management keys: %w", err)
	}
	return collect(rows, scanManagementKey)
}

// RevokeManagementKey revokes a live key of the company.
func (q *Queries) RevokeManagementKey(ctx context.Context, companyID int64, prefix string, now time.Time) error {
	res, err := q.db.ExecContext(ctx, `UPDATE management_keys SET revoked_at = $3 WHERE company_id = $1 AND prefix = $2 AND revoked_at IS NULL`,
		companyID, prefix, ms(now))
	return oneRow(res, err, "management key "+prefix)
}

// TouchManagementKey records a use of key id, at most once a minute (one
// statement: a key in constant use writes once a minute, not per request).
func (q *Queries) TouchManagementKey(ctx context.Context, id int64, now time.Time) error {
	_, err := q.db.ExecContext(ctx, `UPDATE management_keys SET last_used_at = $2
		 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)`, id, ms(now), ms(now.Add(-time.Minute)))
	if err != nil {
		return fmt.Errorf("touch management key: %w", err)
	}
	return nil
}
