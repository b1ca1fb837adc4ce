package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Throttle scopes: what a bucket names.
const (
	ThrottleUser  = "user"  // bucket: company id + username
	ThrottleIP    = "ip"    // bucket: client IP
	ThrottleTrial = "trial" // bucket: client IP + product id
)

// ReserveAttempt takes one attempt in the current window of (scope, bucket)
// unless limit attempts were taken in it already; a window older than
// window is over and starts afresh. It is one statement, so concurrent
// reservations never pass the limit, whichever instance makes them. When it
// refuses, until is when the window ends.
func (q *Queries) ReserveAttempt(ctx context.Context, scope, bucket string, limit int, window time.Duration, now time.Time) (ok bool, start time.Time, until time.Time, err error) {
	cutoff := now.Add(-window)
	var began int64
	err = q.db.QueryRowContext(ctx,
		`INSERT INTO throttle_windows (scope, bucket, window_start, attempts) VALUES ($1, $2, $3, 1)
		 ON CONFLICT (scope, bucket) DO UPDATE SET
			attempts = CASE WHEN throttle_windows.window_start <= $4 THEN 1 ELSE throttle_windows.attempts + 1 END,
			window_start = CASE WHEN throttle_windows.window_start <= $4 THEN $3 ELSE throttle_windows.window_start END
		 WHERE throttle_windows.window_start <= $4 OR throttle_windows.attempts < $5
		 RETURNING window_start`,
		scope, bucket, ms(now), ms(cutoff), limit).Scan(&began)
	if err == nil {
		return true, fromMS(began), time.Time{}, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, time.Time{}, fmt.Errorf("reserve %s attempt: %w", scope, err)
	}
	if err := q.db.QueryRowContext(ctx,
		`SELECT window_start FROM throttle_windows WHERE scope = $1 AND bucket = $2`, scope, bucket).Scan(&began); err != nil {
		return false, time.Time{}, time.Time{}, fmt.Errorf("read %s throttle window: %w", scope, err)
	}
	return false, time.Time{}, fromMS(began).Add(window), nil
}

// WindowFull reports whether the current window of (scope, bucket) has no
// attempt left, and when it ends. It only reads: a caller uses it to refuse
// early, before costly work, and still claims with ReserveAttempt.
func (q *Queries) WindowFull(ctx context.Context, scope, bucket string, limit int, window time.Duration, now time.Time) (bool, time.Time, error) {
	var began, attempts int64
	err := q.db.QueryRowContext(ctx,
		`SELECT window_start, attempts FROM throttle_windows WHERE scope = $1 AND bucket = $2`, scope, bucket).Scan(&began, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("read %s throttle window: %w", scope, err)
	}
	end := fromMS(began).Add(window)
	return now.Before(end) && attempts >= int64(limit), end, nil
}

// ReleaseAttempt gives back an attempt reserved in the window that began at
// start, when it turned out not to count (the right password, or a request
// that failed for another reason). An attempt of an earlier window is not
// given back to a later one. A window left with no attempts is deleted, so
// that a request that did not count leaves the table as it found it. Run it
// in a transaction: it is two statements.
func (q *Queries) ReleaseAttempt(ctx context.Context, scope, bucket string, start time.Time) error {
	if _, err := q.db.ExecContext(ctx,
		`UPDATE throttle_windows SET attempts = attempts - 1
		 WHERE scope = $1 AND bucket = $2 AND window_start = $3 AND attempts > 0`, scope, bucket, ms(start)); err != nil {
		return fmt.Errorf("release %s attempt: %w", scope, err)
	}
	if _, err := q.db.ExecContext(ctx,
		`DELETE FROM throttle_windows WHERE scope = $1 AND bucket = $2 AND attempts <= 0`, scope, bucket); err != nil {
		return fmt.Errorf("release %s attempt: %w", scope, err)
	}
	return nil
}

// PruneAttempts deletes the windows of scope that began before cutoff: they
// are over, and an absent window is the same as an empty one. This bounds
// the table however many buckets clients make up.
func (q *Queries) PruneAttempts(ctx context.Context, scope string, cutoff time.Time) (int64, error) {
	res, err := q.db.ExecContext(ctx, `DELETE FROM throttle_windows WHERE scope = $1 AND window_start <= $2`, scope, ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("prune %s throttle windows: %w", scope, err)
	}
	return res.RowsAffected()
}

// ClearThrottle forgets the failed attempts of (scope, bucket).
func (q *Queries) ClearThrottle(ctx context.Context, scope, bucket string) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM throttle_windows WHERE scope = $1 AND bucket = $2`, scope, bucket); err != nil {
		return fmt.Errorf("clear %s throttle: %w", scope, err)
	}
	return nil
}
