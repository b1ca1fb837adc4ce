package licenseapi

import (
	"net/http"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/wire"
)

// trackDeviceVariables serves POST /api/v4/track_device_variables
// (license-api.md §5.11).
func (a *API) trackDeviceVariables(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	p, err := a.postParams(w, r)
	if err != nil {
		return err
	}
	c := &collector{p: p}
	id := c.identity()
	if c.err != nil {
		return c.err
	}
	vars, err := p.variables("variables")
	if err != nil {
		return err
	}
	vs, err := a.svc.TrackDeviceVariables(r.Context(), a.caller(r, cred), id, vars)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewTrackedVariables(vs))
}

// getDeviceVariables serves GET /api/v4/get_device_variables
// (license-api.md §5.11).
func (a *API) getDeviceVariables(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	c := &collector{p: getParams(r)}
	id := c.identity()
	if c.err != nil {
		return c.err
	}
	vs, err := a.svc.DeviceVariables(r.Context(), a.caller(r, cred), id)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewDeviceVariables(vs))
}
