package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ConsumptionClaim is one addition to a consumption counter.
type ConsumptionClaim struct {
	N int64 // units to add; negative gives units back
	// PeriodStart is the start (Unix ms) of the consumption period now
	// current, or 0 when the counter never resets. A stored total of an
	// earlier period counts as 0.
	PeriodStart int64
	// Overages caps the overage the caller may use (the license's own
	// max_overages when it allows overages); -1 means no overage.
	Overages int64
	Now      time.Time
}

// ErrNotEnough is returned (wrapped) when an addition would pass the limit.
var ErrNotEnough = errors.New("store: not enough consumptions")

// The counter expressions of a claim, shared by licenses and license
// features: a total of an ended period reads as 0; an addition is claimed
// only if the new total stays within max + overages (unless unlimited); a
// subtraction always is, and the total never goes below 0. One statement,
// so that concurrent additions, on any instance, can never pass the limit.
const (
	claimBase = `(CASE WHEN consumption_period_start < $2 THEN 0 ELSE total_consumptions END)`
	claimSet  = `total_consumptions = CASE WHEN ` + claimBase + ` + $3 < 0 THEN 0 ELSE ` + claimBase + ` + $3 END,
		consumption_period_start = CASE WHEN consumption_period_start < $2 THEN $2 ELSE consumption_period_start END`
	claimWhere = `AND ($3 <= 0 OR allow_unlimited_consumptions
		OR ` + claimBase + ` + $3 <= %s + CASE WHEN $4 >= 0 THEN $4 ELSE 0 END)`
)

// AddLicenseConsumption adds c.N to a license's total and returns the new
// total, or ErrNotEnough.
func (q *Queries) AddLicenseConsumption(ctx context.Context, licenseID int64, c ConsumptionClaim) (int64, error) {
	var total int64
	err := q.db.QueryRowContext(ctx,
		`UPDATE licenses SET `+claimSet+`, updated_at = $5
		 WHERE id = $1 `+fmt.Sprintf(claimWhere, "max_consumptions")+`
		 RETURNING total_consumptions`,
		licenseID, c.PeriodStart, c.N, c.Overages, ms(c.Now)).Scan(&total)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("license %d: %w", licenseID, ErrNotEnough)
	}
	if err != nil {
		return 0, fmt.Errorf("add consumption: %w", err)
	}
	return total, nil
}

// AddFeatureConsumption adds c.N to a license feature's total and returns
// the new total, or ErrNotEnough.
func (q *Queries) AddFeatureConsumption(ctx context.Context, licenseFeatureID int64, c ConsumptionClaim) (int64, error) {
	var total int64
	err := q.db.QueryRowContext(ctx,
		`UPDATE license_features SET `+claimSet+`
		 WHERE id = $1 `+fmt.Sprintf(claimWhere, "max_consumption")+`
		 RETURNING total_consumptions`,
		licenseFeatureID, c.PeriodStart, c.N, c.Overages).Scan(&total)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("license feature %d: %w", licenseFeatureID, ErrNotEnough)
	}
	if err != nil {
		return 0, fmt.Errorf("add feature consumption: %w", err)
	}
	return total, nil
}
