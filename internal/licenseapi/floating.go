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
	id, untilText := c.identity(), c.str("borrowed_until")
	if c.err != nil {
		return c.err
	}
	var until *time.Time
	if untilText != "" {
		t, err := time.Parse(time.RFC3339Nano, untilText)
		if err != nil {
			return typeError("borrowed_until", "an ISO-8601 date and time with a time zone, such as 2026-12-31T12:00:00Z, or null")
		}
		until = &t
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
