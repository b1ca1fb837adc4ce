package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ServerKey is a server-wide key pair; the private half is sealed.
type ServerKey struct {
	Name          string
	Algorithm     string
	PublicPEM     string
	PrivateSealed string
	CreatedAt     time.Time
}

// ServerKey returns the key named name.
func (q *Queries) ServerKey(ctx context.Context, name string) (*ServerKey, error) {
	var k ServerKey
	var created int64
	err := q.db.QueryRowContext(ctx,
		`SELECT name, algorithm, public_pem, private_sealed, created_at FROM server_keys WHERE name = $1`, name).
		Scan(&k.Name, &k.Algorithm, &k.PublicPEM, &k.PrivateSealed, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("server key %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("server key %q: %w", name, err)
	}
	k.CreatedAt = fromMS(created)
	return &k, nil
}

// InsertServerKeyIfAbsent stores k unless a key of that name exists, and
// reports whether it was stored. When several instances start on one empty
// database at once, exactly one key wins and all of them then load it.
func (q *Queries) InsertServerKeyIfAbsent(ctx context.Context, k ServerKey) (bool, error) {
	res, err := q.db.ExecContext(ctx,
		`INSERT INTO server_keys (name, algorithm, public_pem, private_sealed, created_at)
		 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING`,
		k.Name, k.Algorithm, k.PublicPEM, k.PrivateSealed, ms(k.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("store server key: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
