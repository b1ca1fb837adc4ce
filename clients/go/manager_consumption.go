package licensor

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Local consumption: an application counts units as they are used
// (AddLocalConsumption, a cheap in-memory addition) and sends them in
// batches, on Check and on SyncConsumption.
//
// What happens to pending units when a sync fails depends on whether the
// server decided about them:
//
//   - it refused the units themselves (the limit is reached, the feature is
//     not a consumption feature or not on the license, a negative count is
//     not allowed): they are dropped and reported as a *ConsumptionError.
//     The same units would be refused again, and kept they would make every
//     later sync fail; the application decides what to do (stop the
//     feature, tell the user), and may add them again if the vendor raises
//     the limit.
//   - anything else (no network, a rate limit, the license disabled for a
//     while, an answer that did not verify): they are kept and sent with
//     the next sync, so that units used offline are counted when the
//     server is back. After a network error the server may have counted
//     them already; sending them again then counts them twice, a rare
//     over-count preferred to losing every offline period's usage.
//
// Pending units live in memory only: an application that exits calls
// SyncConsumption first (or writes them into an offline deactivation
// request).

// ConsumptionError reports local consumption the server refused to count;
// the units were dropped.
type ConsumptionError struct {
	// Feature is the feature's code, "" for the license's own counter.
	Feature string
	// Units is what was refused.
	Units int64
	// Err is the server's refusal, such as code
	// license_not_enough_consumptions.
	Err *APIError
}

// Error implements error.
func (e *ConsumptionError) Error() string {
	what := "the license"
	if e.Feature != "" {
		what = "feature " + e.Feature
	}
	return fmt.Sprintf("licensor: %d units of %s refused and dropped: %v", e.Units, what, e.Err)
}

// Unwrap returns the server's refusal.
func (e *ConsumptionError) Unwrap() error { return e.Err }

// refusesUnits reports whether an API error code refuses the units
// themselves, rather than the moment or the license's state.
func refusesUnits(code string) bool {
	switch code {
	case "license_not_enough_consumptions", "feature_not_enough_consumptions", "feature_not_consumption",
		"unsupported_product_feature", "validation_error", "wrong_license_type":
		return true
	}
	return false
}

// AddLocalConsumption counts n units of the license's consumption, to be
// sent on the next Check or SyncConsumption.
func (m *Manager) AddLocalConsumption(n int64) {
	m.mu.Lock()
	m.pending += n
	m.mu.Unlock()
}

// AddLocalFeatureConsumption counts n units of a consumption feature, to
// be sent on the next Check or SyncConsumption.
func (m *Manager) AddLocalFeatureConsumption(feature string, n int64) {
	m.mu.Lock()
	if m.features == nil {
		m.features = map[string]int64{}
	}
	m.features[feature] += n
	m.mu.Unlock()
}

// PendingConsumption is what has been counted locally and not yet sent:
// the license's units, and each feature's.
func (m *Manager) PendingConsumption() (license int64, features map[string]int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	features = map[string]int64{}
	for k, v := range m.features {
		if v != 0 {
			features[k] = v
		}
	}
	return m.pending, features
}

// settle takes n sent units of feature ("" for the license) off the
// pending count. Units counted while they were on their way stay.
func (m *Manager) settle(feature string, n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if feature == "" {
		m.pending -= n
	} else if m.features[feature] -= n; m.features[feature] == 0 {
		delete(m.features, feature)
	}
}

// SyncConsumption sends the pending local consumption of the stored license
// (add_consumption, then add_feature_consumption per feature). Units the
// server refused are dropped and returned as *ConsumptionError (several
// joined with errors.Join); any other failure keeps the units pending and
// is returned as it is.
func (m *Manager) SyncConsumption(ctx context.Context) error {
	st, err := m.load()
	if err != nil {
		return err
	}
	refused, err := m.syncConsumption(ctx, st.request.identity())
	return joinRefused(err, refused)
}

// joinRefused is err joined with the refusals (nil if there are none).
func joinRefused(err error, refused []*ConsumptionError) error {
	errs := []error{err}
	for _, r := range refused {
		errs = append(errs, r)
	}
	return errors.Join(errs...)
}

// syncConsumption sends the pending consumption for id and returns what was
// refused, or the failure that stopped it.
func (m *Manager) syncConsumption(ctx context.Context, id Identity) ([]*ConsumptionError, error) {
	m.syncMu.Lock()
	defer m.syncMu.Unlock()
	license, features := m.PendingConsumption()
	codes := make([]string, 0, len(features)+1)
	if license != 0 {
		codes = append(codes, "")
	}
	for code := range features {
		codes = append(codes, code)
	}
	slices.Sort(codes) // the license ("") first, then features in order
	var refused []*ConsumptionError
	for _, code := range codes {
		var n int64
		var err error
		if code == "" {
			n = license
			_, err = m.client.AddConsumption(ctx, id, n, ConsumptionOptions{})
		} else {
			n = features[code]
			_, err = m.client.AddFeatureConsumption(ctx, id, code, n)
		}
		var e *APIError
		switch {
		case err == nil:
		case errors.As(err, &e) && refusesUnits(e.Code):
			refused = append(refused, &ConsumptionError{Feature: code, Units: n, Err: e})
		default:
			return refused, err
		}
		m.settle(code, n)
	}
	return refused, nil
}
