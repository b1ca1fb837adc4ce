package licenseapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/testkit"
)

// tokenReq posts a form to the token endpoint.
func tokenReq(t *testing.T, s *testkit.Server, form url.Values, basic ...string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(basic[0], basic[1])
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp.Header
}

func (c *catalog) oauthClient(spec licensing.OAuthClientSpec) licensing.NewOAuthClient {
	c.t.Helper()
	oc, err := c.App.Service.CreateOAuthClient(context.Background(), c.CompanyID, spec)
	must(c.t, err)
	return oc
}

func (c *catalog) token(oc licensing.NewOAuthClient) string {
	c.t.Helper()
	status, m, _ := tokenReq(c.t.(*testing.T), c.Server, url.Values{"grant_type": {"client_credentials"}, "client_id": {oc.ClientID}, "client_secret": {oc.ClientSecret}})
	if status != 200 {
		c.t.Fatalf("token: %d %v", status, m)
	}
	return m["access_token"].(string)
}

// bearer sends a License API GET with a bearer token instead of the HMAC
// headers.
func (c *catalog) bearer(token, path string, q map[string]string) testkit.Response {
	v := url.Values{}
	for k, val := range q {
		v.Set(k, val)
	}
	// Do adds the Date header, which clients still send with a token.
	return c.Do(testkit.Request{Method: "GET", Path: "/api/v4/" + path + "?" + v.Encode(), Header: map[string]string{"Authorization": "Bearer " + token}})
}

func TestOAuthTokenEndpoint(t *testing.T) {
	c := newCatalog(t)
	oc := c.oauthClient(licensing.OAuthClientSpec{})
	ok := url.Values{"grant_type": {"client_credentials"}, "client_id": {oc.ClientID}, "client_secret": {oc.ClientSecret}}
	status, m, h := tokenReq(t, c.Server, ok)
	if status != 200 || m["token_type"] != "Bearer" || m["expires_in"] != float64(480) || m["access_token"] == "" || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("token: %d %v %v", status, m, h)
	}
	if status, m, _ := tokenReq(t, c.Server, url.Values{"grant_type": {"client_credentials"}}, oc.ClientID, oc.ClientSecret); status != 200 || m["access_token"] == "" {
		t.Fatalf("token with HTTP Basic: %d %v", status, m)
	}
	for _, tt := range []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {oc.ClientID}, "client_secret": {"nope"}}, 401, "invalid_client"},
		{"unknown client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"nobody"}, "client_secret": {oc.ClientSecret}}, 401, "invalid_client"},
		{"other grant", url.Values{"grant_type": {"password"}, "client_id": {oc.ClientID}, "client_secret": {oc.ClientSecret}}, 400, "unsupported_grant_type"},
		{"no grant", url.Values{"client_id": {oc.ClientID}, "client_secret": {oc.ClientSecret}}, 400, "invalid_request"},
		{"no secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {oc.ClientID}}, 400, "invalid_request"},
	} {
		if status, m, _ := tokenReq(t, c.Server, tt.form); status != tt.status || m["error"] != tt.code {
			t.Errorf("%s: %d %v, want %d %s", tt.name, status, m, tt.status, tt.code)
		}
	}
	resp, err := http.Post(c.URL+"/oauth/token", "application/json", strings.NewReader(`{"grant_type":"client_credentials"}`))
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("a JSON body: %d", resp.StatusCode)
	}

	var u map[string]any
	c.ok(c.Do(testkit.Request{Method: "GET", Path: "/api/v4/oauth_url?login_type=client_credentials", Header: map[string]string{"Date": "", "Authorization": ""}}), &u)
	if u["url"] != c.URL+"/oauth/token" || u["login_type"] != "client_credentials" {
		t.Fatalf("oauth_url: %v", u)
	}
	wantError(t, c.Do(testkit.Request{Method: "GET", Path: "/api/v4/oauth_url?login_type=password", Header: map[string]string{"Date": "", "Authorization": ""}}), 400, "validation_error")
}

func TestOAuthBearerTokens(t *testing.T) {
	clock := &fakeClock{t: time.Now().UTC()}
	c := newCatalog(t, func(cfg *app.Config) { cfg.Now = clock.Now })
	c.keyLicense("OAUTH-1", 3)
	c.license(c.activateOn("OAUTH-1", "hw"), "hw", "OAUTH-1")
	oc := c.oauthClient(licensing.OAuthClientSpec{})
	tok := c.token(oc)
	q := map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": "OAUTH-1"}
	c.license(c.bearer(tok, "check_license", q), "hw", "OAUTH-1")

	tampered := tok[:len(tok)-2] + "xx"
	wantError(t, c.bearer(tampered, "check_license", q), 401, "oauth_token_malformed")
	wantError(t, c.bearer("not-a-token", "check_license", q), 401, "oauth_token_malformed")
	wantError(t, c.bearer("", "check_license", q), 401, "oauth_token_malformed")
	wantError(t, c.Do(testkit.Request{Method: "GET", Path: "/api/v4/check_license?product=KEY&hardware_id=hw&license_key=OAUTH-1",
		Header: map[string]string{"Date": "", "Authorization": "Bearer " + tok}}), 400, "missing_headers")
	clock.Add(481 * time.Second)
	wantError(t, c.bearer(tok, "check_license", q), 401, "oauth_token_expired")

	// A revocation stops the client's live tokens at once.
	tok = c.token(oc)
	c.license(c.bearer(tok, "check_license", q), "hw", "OAUTH-1")
	must(t, c.App.Service.RevokeOAuthClient(context.Background(), c.CompanyID, oc.ClientID))
	wantError(t, c.bearer(tok, "check_license", q), 401, "oauth_token_malformed")
	if status, m, _ := tokenReq(t, c.Server, url.Values{"grant_type": {"client_credentials"}, "client_id": {oc.ClientID}, "client_secret": {oc.ClientSecret}}); status != 401 || m["error"] != "invalid_client" {
		t.Fatalf("token for a revoked client: %d %v", status, m)
	}

	// A rotated secret: the previous one works during the grace period.
	oc2 := c.oauthClient(licensing.OAuthClientSpec{})
	secret, err := c.App.Service.RotateOAuthSecret(context.Background(), c.CompanyID, oc2.ClientID, time.Hour)
	must(t, err)
	c.token(oc2)
	c.token(licensing.NewOAuthClient{ClientID: oc2.ClientID, ClientSecret: secret})
	clock.Add(time.Hour)
	if status, _, _ := tokenReq(t, c.Server, url.Values{"grant_type": {"client_credentials"}, "client_id": {oc2.ClientID}, "client_secret": {oc2.ClientSecret}}); status != 401 {
		t.Fatalf("the previous secret after its grace period: %d", status)
	}
	c.token(licensing.NewOAuthClient{ClientID: oc2.ClientID, ClientSecret: secret})
}

// Scoped clients see only their license, or their customer's licenses.
func TestOAuthScopes(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	mine, err := c.App.Service.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "KEY", Key: "MINE-1", Customer: "acme@example.com"})
	must(t, err)
	_, err = c.App.Service.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "KEY", Key: "MINE-2", Customer: "acme@example.com"})
	must(t, err)
	_, err = c.App.Service.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "KEY", Key: "THEIRS-1", Customer: "other@example.com"})
	must(t, err)
	for _, k := range []string{"MINE-1", "MINE-2", "THEIRS-1"} {
		c.license(c.activateOn(k, "hw"), "hw", k)
	}
	q := func(key string) map[string]string {
		return map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": key}
	}
	byLicense := c.token(c.oauthClient(licensing.OAuthClientSpec{LicenseID: mine.ID}))
	byCustomer := c.token(c.oauthClient(licensing.OAuthClientSpec{CustomerEmail: "acme@example.com"}))

	c.license(c.bearer(byLicense, "check_license", q("MINE-1")), "hw", "MINE-1")
	wantError(t, c.bearer(byLicense, "check_license", q("MINE-2")), 400, "license_not_found")
	c.license(c.bearer(byCustomer, "check_license", q("MINE-2")), "hw", "MINE-2")
	wantError(t, c.bearer(byCustomer, "check_license", q("THEIRS-1")), 400, "license_not_found")

	count := func(tok string) int {
		var ls []any
		c.ok(c.bearer(tok, "device_licenses", map[string]string{"hardware_id": "hw"}), &ls)
		return len(ls)
	}
	if a, b := count(byLicense), count(byCustomer); a != 1 || b != 2 {
		t.Fatalf("device_licenses: %d for the license scope, %d for the customer scope; want 1 and 2", a, b)
	}
	wantError(t, c.bearer(byCustomer, "customer_license_users", map[string]string{"product": "KEY", "customer": "other@example.com"}), 400, "customer_does_not_exist")
	wantError(t, c.bearer(byLicense, "trial_key", map[string]string{"product": "KEY", "hardware_id": "new-hw"}), 400, "trial_not_allowed")
}
