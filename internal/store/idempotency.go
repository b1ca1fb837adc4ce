package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// IdempotentAnswer is a stored first answer to an Idempotency-Key.
type IdempotentAnswer struct {
	RequestHash string
	Running     bool
	Status      int
	Location    string
	Body        string
	CreatedAt   time.Time
}

// ClaimIdempotencyKey claims (keyID, key) for a request with hash, in one
// statement (the primary key decides between racing requests), after
// dropping the claim's predecessor when it expired (a finished one older
// than ttl, or a running one older than stale: its request died). It
// returns nil when claimed, else the existing row.
func (q *Queries) ClaimIdempotencyKey(ctx context.Context, keyID int64, key, hash string, now time.Time, ttl, stale time.Duration) (*IdempotentAnswer, error) {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE management_key_id = $1 AND idem_key = $2
		 AND (created_at < $3 OR (running AND created_at < $4))`, keyID, key, ms(now.Add(-ttl)), ms(now.Add(-stale))); err != nil {
		return nil, fmt.Errorf("expire idempotency key: %w", err)
	}
	var claimed int64
	err := q.db.QueryRowContext(ctx, `INSERT INTO idempotency_keys (management_key_id, idem_key, request_hash, running, created_at)
		 VALUES ($1, $2, $3, TRUE, $4) ON CONFLICT (management_key_id, idem_key) DO NOTHING RETURNING management_key_id`,
		keyID, key, hash, ms(now)).Scan(&claimed)
	if err == nil {
		return nil, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	var a IdempotentAnswer
	var created, status int64
	err = q.db.QueryRowContext(ctx, `SELECT request_hash, running, status, location, body, created_at FROM idempotency_keys
		 WHERE management_key_id = $1 AND idem_key = $2`, keyID, key).Scan(&a.RequestHash, &a.Running, &status, &a.Location, &a.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		// Released between our insert and select: the caller may retry.
		return &IdempotentAnswer{Running: true, RequestHash: hash}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	a.Status, a.CreatedAt = int(status), fromMS(created)
	return &a, nil
}

// FinishIdempotencyKey stores the successful answer of a claimed key.
func (q *Queries) FinishIdempotencyKey(ctx context.Context, keyID int64, key string, status int, location, body string) error {
	_, err := q.db.ExecContext(ctx, `UPDATE idempotency_keys SET running = FALSE, status = $3, location = $4, body = $5
		 WHERE management_key_id = $1 AND idem_key = $2`, keyID, key, status, location, body)
	if err != nil {
		return fmt.Errorf("store idempotent answer: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed: an
// error answer stores nothing, so the key can be used again.
func (q *Queries) ReleaseIdempotencyKey(ctx context.Context, keyID int64, key string) error {
	_, err := q.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE management_key_id = $1 AND idem_key = $2 AND running`, keyID, key)
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// PruneIdempotencyKeys deletes answers older than cutoff, bounding the
// table.
func (q *Queries) PruneIdempotencyKeys(ctx context.Context, cutoff time.Time) error {
	_, err := q.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, ms(cutoff))
	return err
}
