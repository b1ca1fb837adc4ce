package licenseapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/oidctest"
)

// ssoCatalog is a catalog on an injected clock with a stand-in OpenID
// provider (a real one on loopback, on the same clock) and customer account
// ACME signing in there: its customer buyer@acme.example has a user-based
// license of USER with license user ann@acme.example, and a floating one
// that can be borrowed. OTHER is an account without SSO.
type ssoWorld struct {
	*catalog
	clock      *fakeClock
	idp        *oidctest.Provider
	licenseID  int64
	floatingID int64
}

const ssoClient = "licensor-app"

func newSSOWorld(t *testing.T) *ssoWorld {
	clock := &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
	c := newCatalog(t, func(cfg *app.Config) { cfg.Now = clock.Now })
	idp, err := oidctest.Start("127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { idp.Close() })
	idp.Now = clock.Now
	ctx, svc := context.Background(), c.App.Service
	_, err = svc.CreateCustomerAccount(ctx, c.CompanyID, licensing.CustomerAccountSpec{Code: "ACME", Name: "Acme Corp", SSOIssuer: idp.URL, SSOClientID: ssoClient})
	must(t, err)
	_, err = svc.CreateCustomerAccount(ctx, c.CompanyID, licensing.CustomerAccountSpec{Code: "OTHER", Name: "No SSO"})
	must(t, err)
	_, err = svc.CreateCustomer(ctx, c.CompanyID, licensing.CustomerSpec{Email: "buyer@acme.example", AccountCode: "ACME"})
	must(t, err)
	w := &ssoWorld{catalog: c, clock: clock, idp: idp}
	two := int64(2)
	for _, dst := range []*int64{&w.licenseID, &w.floatingID} {
		spec := licensing.LicenseSpec{Product: "USER", Customer: "buyer@acme.example", MaxActivations: &two}
		if dst == &w.floatingID {
			spec.Settings = []string{"is_floating_cloud=true", "floating_users=2", "can_borrow=true", "max_borrow_time=24"}
		}
		l, err := svc.CreateLicense(ctx, c.CompanyID, spec)
		must(t, err)
		*dst = l.ID
	}
	_, err = svc.CreateLicenseUser(ctx, c.CompanyID, licensing.UserSpec{LicenseID: w.licenseID, Email: "ann@acme.example"})
	must(t, err)
	// carol is a license user, but on a license of a customer outside ACME.
	c.userLicense("", "carol@acme.example", "carol's password 1")
	return w
}

// signIn runs sso_url, then the provider's authorization endpoint as a
// browser would for email, and returns the redirect's parameters (code, or
// id_token for response_type token) and the nonce sent.
func (w *ssoWorld) signIn(responseType, email string) (url.Values, string) {
	w.t.Helper()
	var out struct {
		URL string `json:"url"`
	}
	w.ok(w.get("sso_url", map[string]string{"product": "USER", "customer_account_code": "ACME", "response_type": responseType,
		"redirect_uri": "myapp://sso"}), &out)
	u, err := url.Parse(out.URL)
	must(w.t, err)
	q := u.Query()
	q.Set("login_hint", email)
	u.RawQuery = q.Encode()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(u.String())
	must(w.t, err)
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		w.t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	got := back.Query()
	if responseType == "token" {
		got, _ = url.ParseQuery(back.Fragment)
	}
	return got, q.Get("nonce")
}

func TestSSOURL(t *testing.T) {
	w := newSSOWorld(t)
	for _, tt := range []struct{ responseType, want string }{{"", "code"}, {"code", "code"}, {"token", "id_token token"}} {
		var out struct {
			URL    string            `json:"url"`
			Config map[string]string `json:"openid_configuration"`
		}
		w.ok(w.get("sso_url", map[string]string{"product": "USER", "customer_account_code": "ACME", "response_type": tt.responseType,
			"redirect_uri": "myapp://sso"}), &out)
		u, err := url.Parse(out.URL)
		must(t, err)
		q := u.Query()
		if u.Scheme+"://"+u.Host+u.Path != w.idp.URL+"/authorize" || q.Get("scope") != "openid" || q.Get("response_type") != tt.want ||
			q.Get("client_id") != ssoClient || q.Get("redirect_uri") != "myapp://sso" || len(q.Get("nonce")) < 40 || q.Get("state") == "" {
			t.Fatalf("response_type %q: url %s", tt.responseType, out.URL)
		}
		if out.Config["issuer"] != w.idp.URL || out.Config["jwks_uri"] != w.idp.URL+"/jwks" || out.Config["token_endpoint"] != w.idp.URL+"/token" {
			t.Fatalf("openid_configuration %v", out.Config)
		}
	}
	base := map[string]string{"product": "USER", "customer_account_code": "ACME", "redirect_uri": "myapp://sso"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tt := range []struct {
		name   string
		q      map[string]string
		status int
		code   string
	}{
		{"unknown account", with("customer_account_code", "NOPE"), 400, "customer_account_not_found"},
		{"account without SSO", with("customer_account_code", "OTHER"), 400, "validation_error"},
		{"no redirect_uri", with("redirect_uri", ""), 400, "missing_parameters"},
		{"relative redirect_uri", with("redirect_uri", "/back"), 400, "validation_error"},
		{"other response_type", with("response_type", "password"), 400, "validation_error"},
		{"no account", with("customer_account_code", ""), 400, "missing_parameters"},
		{"unknown product", with("product", "NOPE"), 400, "unknown_product"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, w.get("sso_url", tt.q), tt.status, tt.code) })
	}
}

func TestSSOProviderUnavailable(t *testing.T) {
	w := newSSOWorld(t)
	w.idp.Close()
	// A fresh server has no cached discovery document.
	_, err := w.App.Service.CreateCustomerAccount(context.Background(), w.CompanyID, licensing.CustomerAccountSpec{Code: "DOWN", Name: "Down",
		SSOIssuer: "http://127.0.0.1:1", SSOClientID: ssoClient})
	must(t, err)
	r := w.get("sso_url", map[string]string{"product": "USER", "customer_account_code": "DOWN", "redirect_uri": "myapp://sso"})
	wantError(t, r, 503, "sso_provider_unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	wantError(t, w.post("activate_license", map[string]any{"product": "USER", "hardware_id": "hw", "customer_account_code": "DOWN", "id_token": "x.y.z"}),
		503, "sso_provider_unavailable")
}

func TestSSOActivation(t *testing.T) {
	w := newSSOWorld(t)
	// The implicit grant: the provider's id_token.
	got, _ := w.signIn("token", "ann@acme.example")
	m := w.license(w.post("activate_license", map[string]any{"product": "USER", "hardware_id": "hw-1", "customer_account_code": "ACME",
		"id_token": got.Get("id_token")}), "hw-1", "ann@acme.example")
	if num(m, "id") != w.licenseID || m["user"].(map[string]any)["email"] != "ann@acme.example" || m["license_active"] != true {
		t.Fatalf("activation: %v", m)
	}
	// The user is now known by username, as later calls name it.
	w.license(w.get("check_license", map[string]string{"product": "USER", "hardware_id": "hw-1", "username": "ann@acme.example"}), "hw-1", "ann@acme.example")

	// The authorization-code grant: licensor redeems the code.
	got, _ = w.signIn("code", "ann@acme.example")
	body := map[string]any{"product": "USER", "hardware_id": "hw-2", "customer_account_code": "ACME", "code": got.Get("code"), "redirect_uri": "myapp://sso"}
	w.license(w.post("activate_license", body), "hw-2", "ann@acme.example")
	// A code is good once.
	body["hardware_id"] = "hw-3"
	wantError(t, w.post("activate_license", body), 401, "sso_token_invalid")

	// Borrowing a floating license signs in the same way.
	_, err := w.App.Service.CreateLicenseUser(context.Background(), w.CompanyID, licensing.UserSpec{LicenseID: w.floatingID, Email: "dan@acme.example"})
	must(t, err)
	got, _ = w.signIn("token", "dan@acme.example")
	w.license(w.post("activate_license", map[string]any{"product": "USER", "hardware_id": "hw-9", "customer_account_code": "ACME",
		"id_token": got.Get("id_token")}), "hw-9", "dan@acme.example")
	got, _ = w.signIn("token", "dan@acme.example")
	var b map[string]any
	w.ok(w.post("floating/borrow", map[string]any{"product": "USER", "hardware_id": "hw-9", "customer_account_code": "ACME",
		"id_token": got.Get("id_token"), "borrowed_until": nil}), &b)
	if num(b, "license_id") != w.floatingID || b["borrowed_until"] == nil {
		t.Fatalf("borrow: %v", b)
	}
}

func TestSSORefusals(t *testing.T) {
	w := newSSOWorld(t)
	_, nonce := w.signIn("token", "ann@acme.example")
	token := func(mutate func(map[string]any)) string {
		c := w.idp.Claims(ssoClient, "ann@acme.example", nonce)
		mutate(c)
		s, err := w.idp.IDToken(c)
		must(t, err)
		return s
	}
	foreign, err := w.idp.ForeignIDToken(w.idp.Claims(ssoClient, "ann@acme.example", nonce))
	must(t, err)
	otherNonce := func() string { // a nonce sso_url made for another account on the same provider
		_, err := w.App.Service.CreateCustomerAccount(context.Background(), w.CompanyID, licensing.CustomerAccountSpec{Code: "TWIN", Name: "Twin",
			SSOIssuer: w.idp.URL, SSOClientID: ssoClient})
		must(t, err)
		var out struct {
			URL string `json:"url"`
		}
		w.ok(w.get("sso_url", map[string]string{"product": "USER", "customer_account_code": "TWIN", "redirect_uri": "myapp://sso"}), &out)
		u, _ := url.Parse(out.URL)
		return u.Query().Get("nonce")
	}()
	sso := func(extra map[string]any) map[string]any {
		m := map[string]any{"product": "USER", "hardware_id": "hw-x", "customer_account_code": "ACME"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	before := snapshot(t, w.Server)
	for _, tt := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"signed by another key", sso(map[string]any{"id_token": foreign}), 401, "sso_token_invalid"},
		{"for another client", sso(map[string]any{"id_token": token(func(c map[string]any) { c["aud"] = "someone-else" })}), 401, "sso_token_invalid"},
		{"from another issuer", sso(map[string]any{"id_token": token(func(c map[string]any) { c["iss"] = "https://evil.example" })}), 401, "sso_token_invalid"},
		{"expired", sso(map[string]any{"id_token": token(func(c map[string]any) { c["exp"] = w.clock.Now().Add(-time.Minute).Unix() })}), 401, "sso_token_invalid"},
		{"no nonce", sso(map[string]any{"id_token": token(func(c map[string]any) { delete(c, "nonce") })}), 401, "sso_token_invalid"},
		{"a nonce licensor did not make", sso(map[string]any{"id_token": token(func(c map[string]any) { c["nonce"] = strings.Repeat("A", 64) })}), 401, "sso_token_invalid"},
		{"another account's nonce", sso(map[string]any{"id_token": token(func(c map[string]any) { c["nonce"] = otherNonce })}), 401, "sso_token_invalid"},
		{"e-mail not verified", sso(map[string]any{"id_token": token(func(c map[string]any) { c["email_verified"] = false })}), 401, "sso_token_invalid"},
		{"not a JWT", sso(map[string]any{"id_token": "not-a-token"}), 401, "sso_token_invalid"},
		{"a code the provider never issued", sso(map[string]any{"code": "made-up", "redirect_uri": "myapp://sso"}), 401, "sso_token_invalid"},
		{"unknown user", sso(map[string]any{"id_token": token(func(c map[string]any) { c["email"] = "nobody@acme.example" })}), 400, "user_not_found"},
		{"a user of another customer's license", sso(map[string]any{"id_token": token(func(c map[string]any) { c["email"] = "carol@acme.example" })}), 400, "license_not_found"},
		{"unknown account", sso(map[string]any{"customer_account_code": "NOPE", "id_token": foreign}), 400, "customer_account_not_found"},
		{"account without SSO", sso(map[string]any{"customer_account_code": "OTHER", "id_token": foreign}), 400, "validation_error"},
		{"neither id_token nor code", sso(nil), 400, "missing_parameters"},
		{"with a username too", sso(map[string]any{"username": "ann@acme.example", "id_token": foreign}), 400, "validation_error"},
		{"id_token not a string", sso(map[string]any{"id_token": 5}), 400, "validation_error"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, w.post("activate_license", tt.body), tt.status, tt.code) })
	}
	// A nonce lasts 15 minutes: a token that carries an older one is
	// refused, however fresh the token.
	w.clock.Add(16 * time.Minute)
	wantError(t, w.post("activate_license", sso(map[string]any{"id_token": token(func(map[string]any) {})})), 401, "sso_token_invalid")
	if after := snapshot(t, w.Server); after != before {
		t.Fatalf("refused sign-ins changed the database:\n%s\n%s", before, after)
	}
}
