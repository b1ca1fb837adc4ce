package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Failure scopes for auth_failures.
const (
	FailureScopeUser = "user"
	FailureScopeIP   = "ip"
)

// RecentFailures counts the failures in (scope, bucket) since since, and
// returns the oldest of them (zero time when there are none).
func (q *Queries) RecentFailures(ctx context.Context, scope, bucket string, since time.Time) (int64, time.Time, error) {
	var n int64
	var oldest sql.NullInt64
	err := q.db.QueryRowContext(ctx,
		`SELECT count(*), MIN(occurred_at) FROM auth_failures WHERE scope = $1 AND bucket = $2 AND occurred_at > $3`,
		scope, bucket, ms(since)).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count auth failures: %w", err)
	}
	if !oldest.Valid {
		return n, time.Time{}, nil
	}
	return n, fromMS(oldest.Int64), nil
}

// RecordFailure adds one failure to (scope, bucket).
func (q *Queries) RecordFailure(ctx context.Context, scope, bucket string, at time.Time) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO auth_failures (scope, bucket, occurred_at) VALUES ($1, $2, $3)`, scope, bucket, ms(at))
	if err != nil {
		return fmt.Errorf("record auth failure: %w", err)
	}
	return nil
}

// ClearFailures forgets the failures of (scope, bucket), after a success.
func (q *Queries) ClearFailures(ctx context.Context, scope, bucket string) error {
	_, err := q.db.ExecContext(ctx, `DELETE FROM auth_failures WHERE scope = $1 AND bucket = $2`, scope, bucket)
	if err != nil {
		return fmt.Errorf("clear auth failures: %w", err)
	}
	return nil
}

// PruneFailures deletes failures older than before, which no window counts
// any more.
func (q *Queries) PruneFailures(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.db.ExecContext(ctx, `DELETE FROM auth_failures WHERE occurred_at < $1`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune auth failures: %w", err)
	}
	return res.RowsAffected()
}
