package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrNoSeat is returned (wrapped) when every floating seat is held.
var ErrNoSeat = errors.New("store: no floating seat available")

// Seat is a floating seat a device holds.
type Seat struct {
	Slot          int64
	HardwareID    string
	ExpiresAt     time.Time
	BorrowedUntil *time.Time
}

// SeatClaim asks for a seat of a license (FeatureID 0) or of a license
// feature.
type SeatClaim struct {
	LicenseID, FeatureID int64
	HardwareID           string
	Seats                int64     // floating_users
	Until                time.Time // when the seat lapses without renewal
	Borrow               bool      // hold it until Until even without checks
	Now                  time.Time
}

// maxSeatRounds bounds the retries of one claim. Every failed round means
// another device took a seat meanwhile, so a claim gives up (ErrNoSeat)
// only once the seats are seen full; the bound is a backstop.
const maxSeatRounds = 64

// ClaimSeat takes or renews c.HardwareID's seat, each step one statement:
// renew the device's own seat; else take over a lapsed one; else add the
// next numbered seat while fewer than c.Seats exist. The unique indexes
// settle races between instances: a step that loses one simply matches no
// row and the round starts again.
func (q *Queries) ClaimSeat(ctx context.Context, c SeatClaim) (*Seat, error) {
	until, now := ms(c.Until), ms(c.Now)
	var borrowed sql.NullInt64
	if c.Borrow {
		borrowed = sql.NullInt64{Int64: until, Valid: true}
	}
	// A seat numbered past a lowered floating_users is given up.
	if _, err := q.db.ExecContext(ctx, `DELETE FROM floating_seats WHERE license_id = $1 AND license_feature_id = $2 AND slot > $3`,
		c.LicenseID, c.FeatureID, c.Seats); err != nil {
		return nil, fmt.Errorf("claim seat: %w", err)
	}
	for range maxSeatRounds {
		var slot int64
		// A renewal never cuts a borrow short.
		err := q.db.QueryRowContext(ctx, `UPDATE floating_seats SET
				expires_at = CASE WHEN $5 OR borrowed_until IS NULL OR borrowed_until <= $6 THEN $4 ELSE expires_at END,
				borrowed_until = CASE WHEN $5 THEN $7 WHEN borrowed_until IS NULL OR borrowed_until <= $6 THEN NULL ELSE borrowed_until END
			 WHERE license_id = $1 AND license_feature_id = $2 AND hardware_id = $3 RETURNING slot`,
			c.LicenseID, c.FeatureID, c.HardwareID, until, c.Borrow, now, borrowed).Scan(&slot)
		if err == nil {
			return q.Seat(ctx, c.LicenseID, c.FeatureID, c.HardwareID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("renew seat: %w", err)
		}
		err = q.db.QueryRowContext(ctx, `UPDATE floating_seats SET hardware_id = $3, expires_at = $4, borrowed_until = $6
			 WHERE id = (SELECT id FROM floating_seats WHERE license_id = $1 AND license_feature_id = $2 AND expires_at <= $5 ORDER BY slot LIMIT 1)
			   AND expires_at <= $5 RETURNING slot`,
			c.LicenseID, c.FeatureID, c.HardwareID, until, now, borrowed).Scan(&slot)
		if err == nil {
			return q.Seat(ctx, c.LicenseID, c.FeatureID, c.HardwareID)
		}
		if !errors.Is(err, sql.ErrNoRows) && !isUniqueViolation(err) {
			return nil, fmt.Errorf("take over seat: %w", err)
		}
		err = q.db.QueryRowContext(ctx, `INSERT INTO floating_seats (license_id, license_feature_id, slot, hardware_id, expires_at, borrowed_until)
			 SELECT $1, $2, COALESCE(MAX(slot), 0) + 1, $3, $4, $6 FROM floating_seats WHERE license_id = $1 AND license_feature_id = $2
			 HAVING COALESCE(MAX(slot), 0) < $5
			 ON CONFLICT DO NOTHING RETURNING slot`,
			c.LicenseID, c.FeatureID, c.HardwareID, until, c.Seats, borrowed).Scan(&slot)
		if err == nil {
			return q.Seat(ctx, c.LicenseID, c.FeatureID, c.HardwareID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("add seat: %w", err)
		}
		inUse, err := q.SeatsInUse(ctx, c.LicenseID, c.FeatureID, c.Now)
		if err != nil {
			return nil, err
		}
		if inUse >= c.Seats {
			return nil, fmt.Errorf("license %d: %w", c.LicenseID, ErrNoSeat)
		}
	}
	return nil, fmt.Errorf("license %d: %w (contended)", c.LicenseID, ErrNoSeat)
}

// ReleaseSeat frees the device's seat, borrowed or not; it reports whether
// the device held one.
func (q *Queries) ReleaseSeat(ctx context.Context, licenseID, featureID int64, hardwareID string) (bool, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE floating_seats SET expires_at = 0, borrowed_until = NULL
		 WHERE license_id = $1 AND license_feature_id = $2 AND hardware_id = $3 AND expires_at > 0`, licenseID, featureID, hardwareID)
	if err != nil {
		return false, fmt.Errorf("release seat: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// SeatsInUse counts the seats held at now.
func (q *Queries) SeatsInUse(ctx context.Context, licenseID, featureID int64, now time.Time) (int64, error) {
	var n int64
	err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM floating_seats WHERE license_id = $1 AND license_feature_id = $2 AND expires_at > $3`,
		licenseID, featureID, ms(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("seats in use: %w", err)
	}
	return n, nil
}

// Seat returns the device's seat (held or lapsed), or ErrNotFound.
func (q *Queries) Seat(ctx context.Context, licenseID, featureID int64, hardwareID string) (*Seat, error) {
	var s Seat
	var expires int64
	var borrowed sql.NullInt64
	err := q.db.QueryRowContext(ctx, `SELECT slot, hardware_id, expires_at, borrowed_until FROM floating_seats
		 WHERE license_id = $1 AND license_feature_id = $2 AND hardware_id = $3`, licenseID, featureID, hardwareID).
		Scan(&s.Slot, &s.HardwareID, &expires, &borrowed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("seat: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("seat: %w", err)
	}
	s.ExpiresAt, s.BorrowedUntil = fromMS(expires), timePtr(borrowed)
	return &s, nil
}
