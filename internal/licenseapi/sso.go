package licenseapi

import (
	"net/http"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/wire"
)

// ssoURL serves GET /api/v4/sso_url (license-api.md §5.18).
func (a *API) ssoURL(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	c := &collector{p: getParams(r)}
	in := licensing.SSOURLInput{Product: c.str("product"), AccountCode: c.str("customer_account_code"),
		ResponseType: c.str("response_type"), RedirectURI: c.str("redirect_uri")}
	if c.err != nil {
		return c.err
	}
	u, err := a.svc.SSOURL(r.Context(), a.caller(r, cred), in)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.SSOURL{URL: u.URL, OpenIDConfiguration: u.Discovery})
}

// ssoFields reads an SSO sign-in, which activate_license and floating/borrow
// accept in place of a username and password (license-api.md §1).
func ssoFields(c *collector) licensing.SSO {
	return licensing.SSO{AccountCode: c.str("customer_account_code"), IDToken: c.str("id_token"),
		Code: c.str("code"), RedirectURI: c.str("redirect_uri")}
}

// signIn returns id as the SSO sign-in names it, when the request has one.
func (a *API) signIn(r *http.Request, cred *auth.Credential, id licensing.Identity, s licensing.SSO) (licensing.Identity, error) {
	if s.AccountCode == "" {
		return id, nil
	}
	return a.svc.ResolveSSO(r.Context(), a.caller(r, cred), id, s)
}
