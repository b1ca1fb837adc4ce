package licenseapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/problem"
)

// handlerFunc is an endpoint: it writes a success response or returns an
// error for writeError. cred is the authorized API credential, nil on
// public routes.
type handlerFunc func(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error

type route struct {
	method string
	path   string
	public bool // no request authorization
	h      handlerFunc
}

// routeTable lists every endpoint of the License API that licensor serves.
func (a *API) routeTable() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v4/public_key", public: true, h: a.publicKey},
		{method: http.MethodGet, path: "/api/v4/openapi.json", public: true, h: a.openAPIDoc},
		{method: http.MethodGet, path: "/api/v4/.well-known", public: true, h: a.wellKnown},
		{method: http.MethodGet, path: "/api/v4/oauth_url", public: true, h: a.oauthURL},
		{method: http.MethodPost, path: "/api/v4/change_password", h: a.changePassword},
		{method: http.MethodPost, path: "/api/v4/activate_license", h: a.activateLicense},
		{method: http.MethodGet, path: "/api/v4/check_license", h: a.checkLicense},
		{method: http.MethodPost, path: "/api/v4/deactivate_license", h: a.deactivateLicense},
		{method: http.MethodPost, path: "/api/v4/activate_bundle", h: a.activateBundle},
		{method: http.MethodPost, path: "/api/v4/activate_offline", h: a.activateOffline},
		{method: http.MethodPost, path: "/api/v4/deactivate_offline", h: a.deactivateOffline},
		{method: http.MethodGet, path: "/api/v4/check_bundle", h: a.checkBundle},
		{method: http.MethodPost, path: "/api/v4/deactivate_bundle", h: a.deactivateBundle},
		{method: http.MethodGet, path: "/api/v4/trial_key", h: a.trialKey},
		{method: http.MethodGet, path: "/api/v4/product_details", h: a.productDetails},
		{method: http.MethodGet, path: "/api/v4/check_license_feature", h: a.checkLicenseFeature},
		{method: http.MethodPost, path: "/api/v4/add_consumption", h: a.addConsumption},
		{method: http.MethodPost, path: "/api/v4/add_feature_consumption", h: a.addFeatureConsumption},
		{method: http.MethodPost, path: "/api/v4/track_device_variables", h: a.trackDeviceVariables},
		{method: http.MethodGet, path: "/api/v4/get_device_variables", h: a.getDeviceVariables},
		{method: http.MethodGet, path: "/api/v4/versions", h: a.versions},
		{method: http.MethodPost, path: "/api/v4/floating/borrow", h: a.floatingBorrow},
		{method: http.MethodPost, path: "/api/v4/floating/release", h: a.floatingRelease},
		{method: http.MethodPost, path: "/api/v4/floating/feature_borrow", h: a.floatingFeatureBorrow},
		{method: http.MethodPost, path: "/api/v4/floating/feature_release", h: a.floatingFeatureRelease},
		{method: http.MethodGet, path: "/api/v4/installation_file", h: a.installationFile},
		{method: http.MethodGet, path: "/api/v4/customer_license_users", h: a.customerLicenseUsers},
		{method: http.MethodGet, path: "/api/v4/user_licenses", h: a.userLicenses},
		{method: http.MethodGet, path: "/api/v4/device_licenses", h: a.deviceLicenses},
		{method: http.MethodGet, path: "/api/v4/sso_url", h: a.ssoURL},
	}
}

// serve routes a request: the address's rate limit first (it also covers
// unknown paths), then unknown path 404, known path with another method
// 405, then authorization, the company's and credential's rate limits, and
// the endpoint, within the request timeout.
func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	now := a.cfg.Now()
	if err := a.limits.allowIP(a.clientIP(r), now); err != nil {
		a.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.cfg.RequestTimeout)
	defer cancel()
	r = r.WithContext(ctx)
	if r.URL.Path == TokenPath {
		a.token(w, r) // OAuth's own conventions, outside the route table
		return
	}
	methods, ok := a.routes[routePath(r.URL.Path)]
	if !ok {
		a.writeError(w, r, problem.New(problem.CodeNotFound, "no such endpoint: "+clip(r.URL.Path)))
		return
	}
	rt, ok := methods[r.Method]
	if !ok {
		allowed := make([]string, 0, len(methods))
		for m := range methods {
			allowed = append(allowed, m)
		}
		slices.Sort(allowed)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		a.writeError(w, r, problem.Newf(problem.CodeMethodNotAllowed, "%s is not allowed on %s (allowed: %s)", clip(r.Method), clip(r.URL.Path), strings.Join(allowed, ", ")))
		return
	}
	var cred *auth.Credential
	if !rt.public {
		var err error
		if cred, err = a.verifier.Verify(r.Context(), r.Header); err != nil {
			a.writeError(w, r, err)
			return
		}
		if err := a.limits.allowCaller(cred.CompanyID, cred.Key(), now); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	if err := rt.h(w, r, cred); err != nil {
		a.writeError(w, r, err)
	}
}

// routePath is the route a path names: every path answers with or without
// one trailing slash, identically and without a redirect (license-api.md
// §1).
func routePath(p string) string {
	if len(p) > len("/api/v4/") && strings.HasSuffix(p, "/") {
		return p[:len(p)-1]
	}
	return p
}

// clip shortens what a client sent before it goes into a message or the
// log: a 20 KB path must not become a 20 KB log line.
func clip(s string) string {
	const max = 128
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}

// Routes lists the method and path of every endpoint, for documentation
// checks.
func Routes() [][2]string {
	var out [][2]string
	for _, rt := range (&API{}).routeTable() {
		out = append(out, [2]string{rt.method, rt.path})
	}
	return out
}
