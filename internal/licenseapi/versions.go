package licenseapi

import (
	"net/http"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/wire"
)

// versions serves GET /api/v4/versions (license-api.md §5.14).
func (a *API) versions(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	c := &collector{p: getParams(r)}
	id, env, channel := c.identity(), c.str("env"), c.str("channel")
	if c.err != nil {
		return c.err
	}
	vs, err := a.svc.Versions(r.Context(), a.caller(r, cred), id, env, channel)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewVersions(vs))
}

// installationFile serves GET /api/v4/installation_file (license-api.md
// §5.14).
func (a *API) installationFile(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	c := &collector{p: getParams(r)}
	id, env, channel, version := c.identity(), c.str("env"), c.str("channel"), c.str("version")
	if c.err != nil {
		return c.err
	}
	v, err := a.svc.InstallationFile(r.Context(), a.caller(r, cred), id, env, channel, version)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewInstallationFile(v, cred.CompanyID))
}
