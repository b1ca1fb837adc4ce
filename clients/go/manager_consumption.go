package licensor

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Local consumption: an application counts units as they are used
// (AddLocalConsumption, a cheap in-memory addition) and sends them in
// batches, on Check and on SyncConsumption. Units leave the pending count
// only once the server has counted them.
//
// When a sync fails the units stay pending, whatever the reason:
//
//   - the server refused the units themselves (the limit is reached, the
//     feature is not a consumption feature or not on the license, a
//     negative count is not allowed): the refusal is reported as a
//     *ConsumptionError and the units are sent again with every later
//     sync. They were used, and a vendor who bills or limits by consumption
//     wants them counted as soon as the license allows (the limit raised,
//     overages allowed, the period reset). The application decides what a
//     refusal means (stop the feature, tell the user) and may drop the
//     units deliberately with DiscardLocalConsumption.
//   - anything else (no network, a rate limit, a 5xx, the license disabled
//     for a while, an answer that did not verify) stops the sync: the units
//     are sent with the next one, so that units used offline are counted
//     when the server is back. After a network error the server may have
//     counted them already; sending them again then counts them twice, a
//     rare over-count preferred to losing every offline period's usage.
//
// Pending units live in memory only: an application that exits calls
// SyncConsumption first (or writes them into an offline deactivation
// request).

// ConsumptionError reports local consumption the server refused to count;
// the units stay pending (see [Manager.DiscardLocalConsumption]).
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
	return fmt.Sprintf("licensor: %d units of %s refused, still pending: %v", e.Units, what, e.Err)
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

// PendingConsumption is what has been counted locally and not yet
// accepted by the server: the license's units, and each feature's.
func (m *Manager) PendingConsumption() (license int64, features map[string]int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pendingLocked()
}

func (m *Manager) pendingLocked() (license int64, features map[string]int64) {
	features = map[string]int64{}
	for k, v := range m.features {
		if v != 0 {
			features[k] = v
		}
	}
	return m.pending, features
}

// DiscardLocalConsumption drops every pending unit (for instance units the
// server refused, once the application has accepted the refusal) and
// returns what was dropped. It waits for a sync under way to finish.
func (m *Manager) DiscardLocalConsumption() (license int64, features map[string]int64) {
	m.syncMu.Lock()
	defer m.syncMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	license, features = m.pendingLocked()
	m.pending, m.features = 0, nil
	return license, features
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
// now: add_consumption, then add_feature_consumption per feature in code
// order. What the server accepts leaves the pending count. A refusal does
// not stop the others: every part is tried, the refused units stay pending
// and the first refusal is returned as a *ConsumptionError. Any other
// failure (a *NetworkError, a 5xx, a rate limit...) stops the sync, keeps
// what was not sent pending and is returned as it is.
func (m *Manager) SyncConsumption(ctx context.Context) error {
	st, err := m.load()
	if err != nil {
		return err
	}
	refused, err := m.syncConsumption(ctx, st.request.identity())
	if err != nil {
		return err
	}
	return refused
}

// syncConsumption sends the pending consumption for id. It returns the
// first refusal (a *ConsumptionError, nil if there was none) and the
// failure that stopped it.
func (m *Manager) syncConsumption(ctx context.Context, id Identity) (refused, err error) {
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
			m.settle(code, n)
		case errors.As(err, &e) && refusesUnits(e.Code):
			if refused == nil {
				refused = &ConsumptionError{Feature: code, Units: n, Err: e}
			}
		default:
			return refused, err
		}
	}
	return refused, nil
}
