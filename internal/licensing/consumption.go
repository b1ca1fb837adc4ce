package licensing

import (
	"context"
	"errors"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Consumption periods (license-api.md §5.7, §6.2). A counter with
// reset_consumption and a consumption_period counts one period at a time.
// Periods follow one another from the license's anchor (its start date, or
// when it was created): daily and weekly ones are 24 h and 7 × 24 h long,
// monthly and annually ones end on the same day of a later month or year
// (Go's calendar arithmetic: one month after 31 January is 3 March). The
// current period is computed from the anchor and the clock whenever a
// counter is read or claimed, so no job has to run at the boundary and a
// stopped server misses no reset.

// periodStart returns the start (Unix ms) of the period current at now, or
// 0 when the counter does not reset.
func periodStart(l *store.License, reset bool, period *string, now time.Time) int64 {
	start, _ := periodBounds(l, reset, period, now)
	if start.IsZero() {
		return 0
	}
	return start.UnixMilli()
}

// periodBounds returns the current period's start and end; zero times when
// the counter does not reset.
func periodBounds(l *store.License, reset bool, period *string, now time.Time) (start, end time.Time) {
	if !reset || period == nil {
		return time.Time{}, time.Time{}
	}
	anchor := l.CreatedAt
	if l.StartDate != nil {
		anchor = *l.StartDate
	}
	anchor = anchor.UTC()
	if now.Before(anchor) {
		now = anchor
	}
	step := func(k int) time.Time {
		switch *period {
		case "daily":
			return anchor.Add(time.Duration(k) * 24 * time.Hour)
		case "weekly":
			return anchor.Add(time.Duration(k) * 7 * 24 * time.Hour)
		case "monthly":
			return anchor.AddDate(0, k, 0)
		default: // annually
			return anchor.AddDate(k, 0, 0)
		}
	}
	var k int
	switch *period {
	case "daily":
		k = int(now.Sub(anchor) / (24 * time.Hour))
	case "weekly":
		k = int(now.Sub(anchor) / (7 * 24 * time.Hour))
	case "monthly":
		k = (now.Year()-anchor.Year())*12 + int(now.Month()-anchor.Month())
	default:
		k = now.Year() - anchor.Year()
	}
	for k > 0 && step(k).After(now) {
		k--
	}
	for !step(k + 1).After(now) {
		k++
	}
	return step(k), step(k + 1)
}

// current returns c as of now: a total counted in an ended period reads 0.
func current(l *store.License, c store.Consumption, now time.Time) store.Consumption {
	if ps := periodStart(l, c.ResetConsumption, c.ConsumptionPeriod, now); ps > 0 && c.PeriodStart < ps {
		c.TotalConsumptions = 0
	}
	return c
}

// currentLicense returns the license with its total as of now.
func currentLicense(l store.License, now time.Time) store.License {
	if ps := periodStart(&l, l.ResetConsumption, l.ConsumptionPeriod, now); ps > 0 && l.ConsumptionPeriodStart < ps {
		l.TotalConsumptions = 0
	}
	return l
}

// ConsumptionInput is an add_consumption or add_feature_consumption call.
type ConsumptionInput struct {
	Identity
	Feature string // add_feature_consumption
	N       int64
	// The client's own overage settings (license-api.md §5.7) can only
	// narrow the license's: a client cannot grant itself more units.
	AllowOverages *bool
	MaxOverages   *int64
}

// overages is the overage a claim may use: the counter's own when it
// allows overages, narrowed by the client's settings; -1 for none.
func (in ConsumptionInput) overages(allow bool, limit int64) int64 {
	if !allow || in.AllowOverages != nil && !*in.AllowOverages {
		return -1
	}
	if in.MaxOverages != nil && *in.MaxOverages < limit {
		return max(*in.MaxOverages, 0)
	}
	return limit
}

// AddConsumption adds to a consumption license's counter (license-api.md
// §5.7) and returns the license as it is afterwards.
func (s *Service) AddConsumption(ctx context.Context, c Caller, in ConsumptionInput) (*store.License, error) {
	f, now, err := s.consumer(ctx, c, in.Identity)
	if err != nil {
		return nil, err
	}
	l := f.license
	if l.LicenseType != store.LicenseConsumption {
		return nil, problem.New(problem.CodeWrongLicenseType, "the license is not a consumption license")
	}
	if in.N < 0 && !l.AllowNegativeConsumptions {
		return nil, problem.New(problem.CodeValidationError, "consumptions: the license does not allow negative consumptions")
	}
	claim := store.ConsumptionClaim{N: in.N, PeriodStart: periodStart(l, l.ResetConsumption, l.ConsumptionPeriod, now),
		Overages: in.overages(l.AllowOverages, l.MaxOverages), Now: now}
	var total int64
	err = s.store.WithTx(ctx, func(q *store.Queries) (err error) {
		total, err = q.AddLicenseConsumption(ctx, l.ID, claim)
		return err
	})
	if errors.Is(err, store.ErrNotEnough) {
		return nil, problem.New(problem.CodeLicenseNotEnoughConsumptions, "not enough consumptions left on the license")
	}
	if err != nil {
		return nil, err
	}
	out := *l
	out.TotalConsumptions = total
	return &out, nil
}

// AddFeatureConsumption adds to a consumption feature's counter
// (license-api.md §5.8) and returns the feature as it is afterwards.
func (s *Service) AddFeatureConsumption(ctx context.Context, c Caller, in ConsumptionInput) (*store.LicenseFeature, error) {
	if err := requireIdentity(in.Identity, false, "feature", in.Feature); err != nil {
		return nil, err
	}
	f, now, err := s.consumer(ctx, c, in.Identity)
	if err != nil {
		return nil, err
	}
	feat, err := s.licenseFeature(ctx, f.license, in.Feature, now)
	if err != nil {
		return nil, err
	}
	if feat.FeatureType != "consumption" {
		return nil, problem.Newf(problem.CodeFeatureNotConsumption, "feature %q is not a consumption feature", in.Feature)
	}
	fc := &feat.Consumption
	if in.N < 0 && !fc.AllowNegativeConsumptions {
		return nil, problem.New(problem.CodeValidationError, "consumptions: the feature does not allow negative consumptions")
	}
	claim := store.ConsumptionClaim{N: in.N, PeriodStart: periodStart(f.license, fc.ResetConsumption, fc.ConsumptionPeriod, now),
		Overages: in.overages(fc.AllowOverages, fc.MaxOverages), Now: now}
	var total int64
	err = s.store.WithTx(ctx, func(q *store.Queries) (err error) {
		total, err = q.AddFeatureConsumption(ctx, feat.ID, claim)
		return err
	})
	if errors.Is(err, store.ErrNotEnough) {
		return nil, problem.Newf(problem.CodeFeatureNotEnoughConsumptions, "not enough consumptions left on feature %q", in.Feature)
	}
	if err != nil {
		return nil, err
	}
	fc.TotalConsumptions = total
	return feat, nil
}

// consumer finds the license of a consumption call and checks it as a
// check_license would: the device must be active on a usable license.
func (s *Service) consumer(ctx context.Context, c Caller, id Identity) (*found, time.Time, error) {
	id.Password = ""
	f, err := s.findLicense(ctx, c, id, false)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := s.now()
	if _, err := s.checkOne(ctx, c, f, CheckInput{Identity: id}, now); err != nil {
		return nil, time.Time{}, err
	}
	return f, now, nil
}

// licenseFeature returns a feature of a license, unexpired, with its total
// as of now.
func (s *Service) licenseFeature(ctx context.Context, l *store.License, code string, now time.Time) (*store.LicenseFeature, error) {
	feat, err := s.store.Reader().LicenseFeature(ctx, l.ID, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem.Newf(problem.CodeUnsupportedProductFeature, "the license has no feature %q", code)
	}
	if err != nil {
		return nil, err
	}
	if feat.ExpiryDate != nil && !now.Before(*feat.ExpiryDate) {
		return nil, problem.Newf(problem.CodeFeatureExpired, "feature %q has expired", code)
	}
	feat.Consumption = current(l, feat.Consumption, now)
	return feat, nil
}
