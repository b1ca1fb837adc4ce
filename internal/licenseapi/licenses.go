package licenseapi

import (
	"net/http"
	"strconv"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/wire"
)

// caller is who sent an authorized request.
func (a *API) caller(r *http.Request, cred *auth.Credential) licensing.Caller {
	return licensing.Caller{CompanyID: cred.CompanyID, CredentialID: cred.ID, AllowedProducts: cred.AllowedProducts, ClientIP: a.clientIP(r),
		OAuthClientID: cred.OAuthClientID, ScopeLicenseID: cred.ScopeLicenseID, ScopeCustomerID: cred.ScopeCustomerID}
}

// signedLicense renders a license view with its v1 license_signature over
// the request's hardware_id and identity (license-api.md §3.1).
func (a *API) signedLicense(v *licensing.LicenseView, id licensing.Identity, o wire.LicenseOptions) (*wire.License, error) {
	l := wire.NewLicense(v, o)
	identity := id.LicenseKey
	if id.Username != "" {
		identity = id.Username
	}
	sig, err := a.signer.LicenseSignatureV1(id.HardwareID, identity, v.License.ValidityPeriod)
	if err != nil {
		return nil, err
	}
	l.LicenseSignature = sig
	return l, nil
}

// activateInput reads an activation, and the SSO sign-in that
// activate_license accepts in place of a username and password.
func (a *API) activateInput(w http.ResponseWriter, r *http.Request) (licensing.ActivateInput, licensing.SSO, error) {
	p, err := a.postParams(w, r)
	if err != nil {
		return licensing.ActivateInput{}, licensing.SSO{}, err
	}
	c := &collector{p: p}
	in := licensing.ActivateInput{Identity: c.identity(), Telemetry: c.telemetry()}
	sso := ssoFields(c)
	if c.err != nil {
		return in, sso, c.err
	}
	in.Variables, err = p.variables("variables")
	return in, sso, err
}

// activateLicense serves POST /api/v4/activate_license (license-api.md §5.1).
func (a *API) activateLicense(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	in, sso, err := a.activateInput(w, r)
	if err != nil {
		return err
	}
	if in.Identity, err = a.signIn(r, cred, in.Identity, sso); err != nil {
		return err
	}
	v, err := a.svc.Activate(r.Context(), a.caller(r, cred), in)
	if err != nil {
		return err
	}
	l, err := a.signedLicense(v, in.Identity, wire.LicenseOptions{Request: "activation", Username: in.Username})
	if err != nil {
		return err
	}
	return a.writeJSON(w, l)
}

// activateBundle serves POST /api/v4/activate_bundle (license-api.md §5.4).
func (a *API) activateBundle(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	in, _, err := a.activateInput(w, r)
	if err != nil {
		return err
	}
	vs, err := a.svc.ActivateBundle(r.Context(), a.caller(r, cred), in)
	if err != nil {
		return err
	}
	return a.writeLicenses(w, vs, in.Identity, wire.LicenseOptions{Request: "activation", Username: in.Username})
}

func (a *API) writeLicenses(w http.ResponseWriter, vs []*licensing.LicenseView, id licensing.Identity, o wire.LicenseOptions) error {
	out := make([]*wire.License, 0, len(vs))
	for _, v := range vs {
		l, err := a.signedLicense(v, id, o)
		if err != nil {
			return err
		}
		out = append(out, l)
	}
	return a.writeJSON(w, out)
}

func (a *API) deactivateInput(w http.ResponseWriter, r *http.Request) (licensing.Identity, map[string]string, error) {
	p, err := a.postParams(w, r)
	if err != nil {
		return licensing.Identity{}, nil, err
	}
	c := &collector{p: p}
	id := c.identity()
	if c.err != nil {
		return id, nil, c.err
	}
	vars, err := p.variables("variables")
	return id, vars, err
}

// deactivateLicense serves POST /api/v4/deactivate_license (license-api.md
// §5.2).
func (a *API) deactivateLicense(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	id, vars, err := a.deactivateInput(w, r)
	if err != nil {
		return err
	}
	if err := a.svc.Deactivate(r.Context(), a.caller(r, cred), id, vars); err != nil {
		return err
	}
	return a.writeJSON(w, "license_deactivated")
}

// deactivateBundle serves POST /api/v4/deactivate_bundle.
func (a *API) deactivateBundle(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	id, vars, err := a.deactivateInput(w, r)
	if err != nil {
		return err
	}
	if err := a.svc.DeactivateBundle(r.Context(), a.caller(r, cred), id, vars); err != nil {
		return err
	}
	return a.writeJSON(w, "license_deactivated")
}

func checkInput(r *http.Request) (licensing.CheckInput, bool, error) {
	c := &collector{p: getParams(r)}
	in := licensing.CheckInput{Identity: c.identity(), Telemetry: c.telemetry()}
	in.Password = "" // checks never authenticate
	expiredFeatures := c.bool("include_expired_features")
	return in, expiredFeatures, c.err
}

// checkLicense serves GET /api/v4/check_license (license-api.md §5.3).
func (a *API) checkLicense(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	return a.cachedCheck(w, r, cred, func(in licensing.CheckInput, o wire.LicenseOptions) (any, []*licensing.LicenseView, error) {
		v, err := a.svc.Check(r.Context(), a.caller(r, cred), in)
		if err != nil {
			return nil, nil, err
		}
		l, err := a.signedLicense(v, in.Identity, o)
		return l, []*licensing.LicenseView{v}, err
	})
}

// checkBundle serves GET /api/v4/check_bundle.
func (a *API) checkBundle(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	return a.cachedCheck(w, r, cred, func(in licensing.CheckInput, o wire.LicenseOptions) (any, []*licensing.LicenseView, error) {
		vs, err := a.svc.CheckBundle(r.Context(), a.caller(r, cred), in)
		if err != nil {
			return nil, nil, err
		}
		out := make([]*wire.License, 0, len(vs))
		for _, v := range vs {
			l, err := a.signedLicense(v, in.Identity, o)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, l)
		}
		return out, vs, nil
	})
}

// cachedCheck answers a check from the response cache when it can, and
// otherwise runs check and remembers its signed answer (see responseCache).
// Errors are never cached.
func (a *API) cachedCheck(w http.ResponseWriter, r *http.Request, cred *auth.Credential,
	check func(licensing.CheckInput, wire.LicenseOptions) (any, []*licensing.LicenseView, error)) error {
	key := cacheKey(r, cred.Key())
	mark := a.svc.Mark() // before reading, so that a change meanwhile is not missed
	now := a.cfg.Now()   // the clock the rules use, so that cached answers end when theirs do
	if e, ok := a.cache.get(key, now); ok {
		writeSignedHeaders(w, e.body, e.length, e.sig)
		return nil
	}
	in, expiredFeatures, err := checkInput(r)
	if err != nil {
		return err
	}
	out, views, err := check(in, wire.LicenseOptions{IncludeExpiredFeatures: expiredFeatures})
	if err != nil {
		return err
	}
	body, sig, err := a.encodeSigned(out)
	if err != nil {
		return err
	}
	until := now.Add(deviceSeenRefresh)
	ids := make([]int64, 0, len(views))
	cacheable := true
	for _, v := range views {
		cacheable = cacheable && v.Cacheable()
		if t := v.ChangesAt(); !t.IsZero() && t.Before(until) {
			until = t
		}
		ids = append(ids, v.License.ID)
	}
	e := &cachedResponse{body: body, length: []string{strconv.Itoa(len(body))}, sig: []string{sig}, until: until, mark: mark, licenses: ids}
	if cacheable {
		a.cache.put(key, e)
	}
	writeSignedHeaders(w, e.body, e.length, e.sig)
	return nil
}
