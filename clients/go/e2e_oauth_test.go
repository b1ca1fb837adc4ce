package licensor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// seenRequest is what recordingProxy saw of one request.
type seenRequest struct {
	method, path, authorization, date string
}

// recordingProxy forwards to target unchanged and records each request.
func recordingProxy(t *testing.T, target string) (*httptest.Server, func() []seenRequest) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []seenRequest
	p := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, seenRequest{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Date")})
		mu.Unlock()
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenRequest { mu.Lock(); defer mu.Unlock(); return append([]seenRequest(nil), seen...) }
}

// oauthCredential is what `licensor oauth-client create --json` prints.
type oauthCredential struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// oauthMode turns a Config into OAuth mode with cred.
func oauthMode(cred oauthCredential) func(*Config) {
	return func(c *Config) {
		c.APIKey, c.SharedKey, c.ClientID, c.ClientSecret = "", "", cred.ClientID, cred.ClientSecret
	}
}

func TestEndToEndOAuth(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	cat := provision(s)
	usageCatalog(s)
	s.start()
	var cred oauthCredential
	s.cliJSON(&cred, "oauth-client", "create", "--json", "--label", "e2e")
	proxy, seen := recordingProxy(t, s.url())
	c := s.client(s.publicKey, oauthMode(cred), func(c *Config) { c.BaseURL = proxy.URL })
	ctx := context.Background()
	desk := Identity{Product: "DESKTOP", HardwareID: "oauth-hw", LicenseKey: "DESK-0000-0000-0002"}
	suite := Identity{Product: "SUITE", HardwareID: "oauth-hw", LicenseKey: cat.suiteKey}
	future := time.Now().Add(time.Hour)

	// Every call of the client, with the bearer token.
	calls := []struct {
		name string
		call func() error
	}{
		{"activate_license", func() error { _, err := c.ActivateLicense(ctx, desk); return err }},
		{"check_license", func() error { _, err := c.CheckLicense(ctx, desk, CheckOptions{}); return err }},
		{"check_license_feature", func() error { _, err := c.CheckLicenseFeature(ctx, desk, "credits"); return err }},
		{"add_feature_consumption", func() error { _, err := c.AddFeatureConsumption(ctx, desk, "credits", 2); return err }},
		{"track_device_variables", func() error {
			_, err := c.TrackDeviceVariables(ctx, desk, map[string]string{"k": "v"})
			return err
		}},
		{"get_device_variables", func() error { _, err := c.GetDeviceVariables(ctx, desk); return err }},
		{"device_licenses", func() error { _, err := c.DeviceLicenses(ctx, "oauth-hw"); return err }},
		{"deactivate_license", func() error { return c.DeactivateLicense(ctx, desk) }},
		{"activate meter", func() error { _, err := c.ActivateLicense(ctx, meter("oauth-hw")); return err }},
		{"add_consumption", func() error { _, err := c.AddConsumption(ctx, meter("oauth-hw"), 1, ConsumptionOptions{}); return err }},
		{"versions", func() error { _, err := c.Versions(ctx, meter("oauth-hw"), VersionOptions{}); return err }},
		{"installation_file", func() error {
			_, err := c.InstallationFile(ctx, meter("oauth-hw"), InstallationFileOptions{})
			return err
		}},
		{"activate float", func() error { _, err := c.ActivateLicense(ctx, float("oauth-hw")); return err }},
		{"floating/borrow", func() error { _, err := c.FloatingBorrow(ctx, float("oauth-hw"), &future); return err }},
		{"floating/release", func() error { return c.FloatingRelease(ctx, float("oauth-hw")) }},
		{"floating/feature_borrow", func() error { _, err := c.FloatingFeatureBorrow(ctx, float("oauth-hw"), "seat", nil); return err }},
		{"floating/feature_release", func() error { return c.FloatingFeatureRelease(ctx, float("oauth-hw"), "seat") }},
		{"activate_bundle", func() error { _, err := c.ActivateBundle(ctx, suite); return err }},
		{"check_bundle", func() error { _, err := c.CheckBundle(ctx, suite, CheckOptions{}); return err }},
		{"deactivate_bundle", func() error { return c.DeactivateBundle(ctx, suite) }},
		{"trial_key", func() error {
			_, err := c.TrialKey(ctx, TrialRequest{Product: "DESKTOP", HardwareID: "oauth-trial"})
			return err
		}},
		{"product_details", func() error { _, err := c.ProductDetails(ctx, ProductDetailsRequest{Product: "METER"}); return err }},
		{"user_licenses", func() error { _, err := c.UserLicenses(ctx, "CLOUD", "ann@example.com", cat.userPW); return err }},
		{"customer_license_users", func() error { _, err := c.CustomerLicenseUsers(ctx, "CLOUD", "buyer@example.com"); return err }},
		{"change_password", func() error { return c.ChangePassword(ctx, "ann@example.com", cat.userPW, "an oauth password 1") }},
	}
	for _, tc := range calls {
		if err := tc.call(); err != nil {
			t.Errorf("%s in OAuth mode: %v", tc.name, err)
		}
	}
	r := seen()
	if len(r) != len(calls)+2 {
		t.Fatalf("%d requests for %d calls: %v", len(r), len(calls), r)
	}
	// One token for all: first oauth_url (unauthenticated), then the token
	// endpoint it named, then every call with the token and a Date.
	if r[0].path != "/api/v4/oauth_url" || r[0].authorization != "" || r[0].date != "" {
		t.Errorf("first request %+v", r[0])
	}
	if r[1].method != http.MethodPost || r[1].path != "/oauth/token" || r[1].authorization != "" {
		t.Errorf("second request %+v", r[1])
	}
	bearer := r[2].authorization
	for _, q := range r[2:] {
		if !strings.HasPrefix(q.authorization, "Bearer ") || q.authorization != bearer || q.date == "" {
			t.Errorf("%s %s: Authorization %q, Date %q", q.method, q.path, q.authorization, q.date)
		}
	}

	// A wrong secret: the token endpoint's invalid_client, and no call.
	bad := s.client(s.publicKey, oauthMode(oauthCredential{cred.ClientID, "not the secret"}))
	_, err := bad.CheckLicense(ctx, desk, CheckOptions{})
	wantAPI(t, err, "invalid_client")
	if e := err.(*APIError); e.Status != http.StatusUnauthorized {
		t.Errorf("invalid_client status %d", e.Status)
	}
	// A revoked client's cached token is refused (the server's refusal
	// code makes the client fetch a new token once), and so is the new
	// token request: the call ends with invalid_client.
	s.cli("oauth-client", "revoke", cred.ClientID)
	before := len(seen())
	_, err = c.CheckLicense(ctx, meter("oauth-hw"), CheckOptions{})
	wantAPI(t, err, "invalid_client")
	if r := seen()[before:]; len(r) != 2 || r[0].path != "/api/v4/check_license" || r[1].path != "/oauth/token" {
		t.Errorf("after revocation: %+v", r)
	}
}
