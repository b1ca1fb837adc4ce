package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// OAuthClient is a client of the client-credentials grant.
type OAuthClient struct {
	ID                 int64
	CompanyID          int64
	ClientID           string
	SecretHash         string
	PreviousSecretHash string     // "" when none
	PreviousValidUntil *time.Time // until when PreviousSecretHash is accepted
	// The secrets sealed with the server secret, for offline files ("":
	// a client made before schema version 12 and not rotated since).
	SecretSealed, PreviousSecretSealed string
	LicenseID                          *int64 // scope: one license
	CustomerID                         *int64 // scope: one customer's licenses
	Label                              string
	CreatedAt                          time.Time
	RevokedAt                          *time.Time
}

const oauthColumns = `id, company_id, client_id, secret_hash, COALESCE(previous_secret_hash, ''), previous_valid_until,
	license_id, customer_id, label, created_at, revoked_at, COALESCE(secret_sealed, ''), COALESCE(previous_secret_sealed, '')`

func scanOAuthClient(row interface{ Scan(...any) error }) (*OAuthClient, error) {
	var c OAuthClient
	var prevUntil, lic, cus, revoked sql.NullInt64
	var created int64
	if err := row.Scan(&c.ID, &c.CompanyID, &c.ClientID, &c.SecretHash, &c.PreviousSecretHash, &prevUntil,
		&lic, &cus, &c.Label, &created, &revoked, &c.SecretSealed, &c.PreviousSecretSealed); err != nil {
		return nil, err
	}
	c.PreviousValidUntil, c.LicenseID, c.CustomerID = timePtr(prevUntil), ptr(lic), ptr(cus)
	c.CreatedAt, c.RevokedAt = fromMS(created), timePtr(revoked)
	return &c, nil
}

// CreateOAuthClient inserts c and returns its id.
func (q *Queries) CreateOAuthClient(ctx context.Context, c OAuthClient) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx, `INSERT INTO oauth_clients (company_id, client_id, secret_hash, secret_sealed, license_id, customer_id, label, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		c.CompanyID, c.ClientID, c.SecretHash, c.SecretSealed, nullInt(c.LicenseID), nullInt(c.CustomerID), c.Label, ms(c.CreatedAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("oauth client %q: %w", c.ClientID, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create oauth client: %w", err)
	}
	return id, nil
}

// LiveOAuthClient returns the unrevoked client with that client_id, or
// ErrNotFound.
func (q *Queries) LiveOAuthClient(ctx context.Context, clientID string) (*OAuthClient, error) {
	if !StorableText(clientID) {
		return nil, fmt.Errorf("oauth client: %w", ErrNotFound)
	}
	return q.oneOAuthClient(ctx, `SELECT `+oauthColumns+` FROM oauth_clients WHERE client_id = $1 AND revoked_at IS NULL`, clientID)
}

// LiveOAuthClientByID is LiveOAuthClient by row id.
func (q *Queries) LiveOAuthClientByID(ctx context.Context, id int64) (*OAuthClient, error) {
	return q.oneOAuthClient(ctx, `SELECT `+oauthColumns+` FROM oauth_clients WHERE id = $1 AND revoked_at IS NULL`, id)
}

func (q *Queries) oneOAuthClient(ctx context.Context, query string, args ...any) (*OAuthClient, error) {
	c, err := scanOAuthClient(q.db.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("oauth client: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("oauth client: %w", err)
	}
	return c, nil
}

// OAuthClients lists a company's clients, revoked ones included.
func (q *Queries) OAuthClients(ctx context.Context, companyID int64) ([]OAuthClient, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+oauthColumns+` FROM oauth_clients WHERE company_id = $1 ORDER BY id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("oauth clients: %w", err)
	}
	return collect(rows, scanOAuthClient)
}

// RotateOAuthSecret replaces a live client's secret (its hash and sealed
// form), keeping the current one valid until graceUntil.
func (q *Queries) RotateOAuthSecret(ctx context.Context, companyID int64, clientID, newHash, newSealed string, graceUntil time.Time) error {
	res, err := q.db.ExecContext(ctx, `UPDATE oauth_clients SET previous_secret_hash = secret_hash, previous_secret_sealed = secret_sealed,
		 previous_valid_until = $4, secret_hash = $3, secret_sealed = $5
		 WHERE company_id = $1 AND client_id = $2 AND revoked_at IS NULL`, companyID, clientID, newHash, ms(graceUntil), newSealed)
	return oneRow(res, err, "oauth client "+clientID)
}

// RevokeOAuthClient revokes a live client.
func (q *Queries) RevokeOAuthClient(ctx context.Context, companyID int64, clientID string, now time.Time) error {
	res, err := q.db.ExecContext(ctx, `UPDATE oauth_clients SET revoked_at = $3 WHERE company_id = $1 AND client_id = $2 AND revoked_at IS NULL`,
		companyID, clientID, ms(now))
	return oneRow(res, err, "oauth client "+clientID)
}
