package licenseapi

import (
	"net/http"
	"time"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/wire"
)

// floatingBorrow serves POST /api/v4/floating/borrow (license-api.md
// §5.12).
func (a *API) floatingBorrow(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	p, err := a.postParams(w, r)
	if err != nil {
		return err
	}
	c := &collector{p: p}
	id, untilText, sso := c.identity(), c.str("borrowed_until"), ssoFields(c)
	if c.err != nil {
		return c.err
	}
	until, err := borrowedUntil(untilText)
	if err != nil {
		return err
	}
	if id, err = a.signIn(r, cred, id, sso); err != nil {
		return err
	}
	b, err := a.svc.Borrow(r.Context(), a.caller(r, cred), id, until)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewBorrowed(b))
}

// floatingRelease serves POST /api/v4/floating/release (license-api.md
// §5.12): 200 with an empty body.
func (a *API) floatingRelease(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	p, err := a.postParams(w, r)
	if err != nil {
		return err
	}
	c := &collector{p: p}
	id := c.identity()
	if c.err != nil {
		return c.err
	}
	if err := a.svc.ReleaseSeat(r.Context(), a.caller(r, cred), id); err != nil {
		return err
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// floatingFeatureBorrow serves POST /api/v4/floating/feature_borrow
// (license-api.md §5.12): borrow plus feature; bundle_code, sdk_ver and
// redirect_uri are accepted.
func (a *API) floatingFeatureBorrow(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	p, err := a.postParams(w, r)
	if err != nil {
		return err
	}
	c := &collector{p: p}
	id, code, untilText := c.identity(), c.str("feature"), c.str("borrowed_until")
	c.str("sdk_ver")
	c.str("redirect_uri")
	if c.err != nil {
		return c.err
	}
	until, err := borrowedUntil(untilText)
	if err != nil {
		return err
	}
	b, err := a.svc.BorrowFeature(r.Context(), a.caller(r, cred), id, code, until)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewBorrowed(b))
}

// floatingFeatureRelease serves POST /api/v4/floating/feature_release: 200
// with an empty body.
func (a *API) floatingFeatureRelease(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	p, err := a.postParams(w, r)
	if err != nil {
		return err
	}
	c := &collector{p: p}
	id, code := c.identity(), c.str("feature")
	if c.err != nil {
		return c.err
	}
	if err := a.svc.ReleaseFeatureSeat(r.Context(), a.caller(r, cred), id, code); err != nil {
		return err
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// borrowedUntil reads borrowed_until: "" (absent or null) is nil.
func borrowedUntil(text string) (*time.Time, error) {
	if text == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return nil, typeError("borrowed_until", "an ISO-8601 date and time with a time zone, such as 2026-12-31T12:00:00Z, or null")
	}
	return &t, nil
}
