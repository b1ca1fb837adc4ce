package licenseapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/testkit"
)

func TestCheckLicense(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	id := c.keyLicense("CHK-KEY", 2, "validity_period=2031-03-04T00:00:00Z", `metadata={"z":1,"1":2}`)
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "HW-A", "license_key": "CHK-KEY"}), "HW-A", "CHK-KEY")
	q := map[string]string{"product": "KEY", "hardware_id": "HW-A", "license_key": "CHK-KEY", "app_ver": "2.0"}
	r := c.get("check_license", q)
	m := c.license(r, "HW-A", "CHK-KEY")
	if m["license_active"] != true || m["license_enabled"] != true || m["is_expired"] != false ||
		m["validity_period"] != "2031-03-04T00:00:00.000Z" || num(m, "id") != id || m["is_borrowed"] != false {
		t.Fatalf("check = %v", m)
	}
	// Metadata is sent in JavaScript's key order (integer-like keys first).
	if !strings.Contains(string(r.Body), `"metadata":{"1":2,"z":1}`) {
		t.Fatalf("metadata not in JavaScript order: %s", r.Body)
	}
	// A check refreshes the device's telemetry.
	d, err := c.App.Store.Reader().Device(ctx, id, "HW-A")
	must(t, err)
	if d.AppVer != "2.0" {
		t.Fatalf("telemetry not refreshed: app_ver %q", d.AppVer)
	}
	// The same via license_id, as LicenseManager sends it.
	q["license_id"] = fmtID(id)
	c.license(c.get("check_license", q), "HW-A", "CHK-KEY")

	// Expired features are left out unless asked for.
	must(t, c.App.Service.SetLicenseFeature(ctx, c.CompanyID, id, "pro", []string{"expiry_date=2020-01-01T00:00:00Z"}))
	m = c.license(c.get("check_license", q), "HW-A", "CHK-KEY")
	if len(m["product_features"].([]any)) != 1 {
		t.Fatalf("an expired feature was listed: %v", m["product_features"])
	}
	q["include_expired_features"] = "true"
	m = c.license(c.get("check_license", q), "HW-A", "CHK-KEY")
	if len(m["product_features"].([]any)) != 2 {
		t.Fatalf("include_expired_features=true left out a feature: %v", m["product_features"])
	}

	// A subscription in its grace period still checks.
	graced := c.keyLicense("GRACE-KEY", 1, "license_type=subscription", "allow_grace_period=true", "grace_period=48")
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "g", "license_key": "GRACE-KEY"}), "g", "GRACE-KEY")
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	_, err = c.App.Service.SetLicense(ctx, c.CompanyID, graced, []string{"validity_period=" + past})
	must(t, err)
	m = c.license(c.get("check_license", map[string]string{"product": "KEY", "hardware_id": "g", "license_key": "GRACE-KEY"}), "g", "GRACE-KEY")
	if m["is_expired"] != false {
		t.Fatal("a subscription within its grace period is expired")
	}
}

func TestCheckLicenseErrors(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	svc := c.App.Service
	activate := func(key, hw string) {
		t.Helper()
		c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": hw, "license_key": key}), hw, key)
	}
	c.keyLicense("UNUSED-KEY", 1)
	c.keyLicense("USED-KEY", 1)
	activate("USED-KEY", "hw")
	off := c.keyLicense("OFF-KEY", 1)
	activate("OFF-KEY", "hw")
	must(t, svc.SetLicenseEnabled(ctx, c.CompanyID, off, false))
	old := c.keyLicense("OLD-KEY", 1)
	activate("OLD-KEY", "hw")
	_, err := svc.SetLicense(ctx, c.CompanyID, old, []string{"validity_period=2020-01-01T00:00:00Z"})
	must(t, err)
	trial := c.keyLicense("TRIAL-KEY", 1, "is_trial=true")
	activate("TRIAL-KEY", "hw")
	_, err = svc.SetLicense(ctx, c.CompanyID, trial, []string{"validity_period=2020-01-01T00:00:00Z"})
	must(t, err)
	c.keyLicense("BLACK-KEY", 1)
	activate("BLACK-KEY", "later-bad")
	must(t, svc.BlacklistDevice(ctx, c.CompanyID, "later-bad", ""))
	c.userLicense("", "cu@example.com", "user password")

	q := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name   string
		query  map[string]string
		status int
		code   string
	}{
		{"no parameters", q(), 400, "missing_parameters"},
		{"no hardware_id", q("product", "KEY", "license_key", "USED-KEY"), 400, "missing_parameters"},
		{"bad license_id", q("product", "KEY", "hardware_id", "hw", "license_key", "USED-KEY", "license_id", "x"), 400, "validation_error"},
		{"bad boolean", q("product", "KEY", "hardware_id", "hw", "license_key", "USED-KEY", "include_expired_features", "maybe"), 400, "validation_error"},
		{"unknown product", q("product", "NOPE", "hardware_id", "hw", "license_key", "USED-KEY"), 400, "unknown_product"},
		{"unknown key", q("product", "KEY", "hardware_id", "hw", "license_key", "NOPE-NOPE"), 400, "license_not_found"},
		{"unknown user", q("product", "USER", "hardware_id", "hw", "username", "nobody@example.com"), 400, "license_not_found"},
		{"never activated", q("product", "KEY", "hardware_id", "hw", "license_key", "UNUSED-KEY"), 400, "license_not_active"},
		{"user never activated", q("product", "USER", "hardware_id", "hw", "username", "cu@example.com"), 400, "license_not_active"},
		{"other device", q("product", "KEY", "hardware_id", "elsewhere", "license_key", "USED-KEY"), 400, "device_not_found"},
		{"disabled", q("product", "KEY", "hardware_id", "hw", "license_key", "OFF-KEY"), 400, "license_not_enabled"},
		{"expired", q("product", "KEY", "hardware_id", "hw", "license_key", "OLD-KEY"), 400, "license_expired"},
		{"expired trial", q("product", "KEY", "hardware_id", "hw", "license_key", "TRIAL-KEY"), 400, "trial_expired"},
		{"blacklisted since", q("product", "KEY", "hardware_id", "later-bad", "license_key", "BLACK-KEY"), 400, "blacklisted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, c.get("check_license", tt.query), tt.status, tt.code)
		})
	}
	wantError(t, c.post("check_license", map[string]any{}), 405, "method_not_allowed")
}

func TestDeactivateLicense(t *testing.T) {
	c := newCatalog(t)
	id := c.keyLicense("DEA-KEY", 1)
	k := map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "DEA-KEY", "variables": map[string]any{"why": "moving"}}
	c.license(c.post("activate_license", k), "hw", "DEA-KEY")
	wantDeactivated(t, c.post("deactivate_license", k))
	l, err := c.App.Store.Reader().License(context.Background(), c.CompanyID, id)
	must(t, err)
	if l.TimesActivated != 0 {
		t.Fatalf("times_activated = %d after deactivation", l.TimesActivated)
	}
	// The slot is free for another device.
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw2", "license_key": "DEA-KEY"}), "hw2", "DEA-KEY")

	// User-based: username without password.
	c.userLicense("", "du@example.com", "user password")
	c.license(c.post("activate_license", map[string]any{"product": "USER", "hardware_id": "u1", "username": "du@example.com", "password": "user password"}), "u1", "du@example.com")
	wantDeactivated(t, c.post("deactivate_license", map[string]any{"product": "USER", "hardware_id": "u1", "username": "du@example.com"}))

	for _, tt := range []struct {
		name string
		body map[string]any
		code string
	}{
		{"again", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "DEA-KEY"}, "device_not_found"},
		{"unknown device", map[string]any{"product": "KEY", "hardware_id": "nope", "license_key": "DEA-KEY"}, "device_not_found"},
		{"unknown key", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "NOPE-NOPE"}, "license_not_found"},
		{"unknown product", map[string]any{"product": "NOPE", "hardware_id": "hw", "license_key": "DEA-KEY"}, "unknown_product"},
		{"missing", map[string]any{"product": "KEY"}, "missing_parameters"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, c.post("deactivate_license", tt.body), 400, tt.code) })
	}
}

// An API key limited to some products is refused on the others.
func TestAPIKeyLimitedToProducts(t *testing.T) {
	c := newCatalog(t)
	c.keyLicense("LIM-KEY", 1)
	cred, err := c.App.Service.CreateCredential(context.Background(), c.CompanyID, "user app only", "USER")
	must(t, err)
	date := time.Now().UTC().Format(http.TimeFormat)
	r := c.Do(testkit.Request{Method: "POST", Path: "/api/v4/activate_license",
		Body:   `{"product":"KEY","hardware_id":"h","license_key":"LIM-KEY"}`,
		Header: map[string]string{"Date": date, "Authorization": auth.AuthorizationHeader(cred.APIKey, []byte(cred.SharedKey), date)}})
	wantError(t, r, 400, "api_key_product_not_allowed")
	r = c.Do(testkit.Request{Method: "GET", Path: "/api/v4/product_details?product=USER",
		Header: map[string]string{"Date": date, "Authorization": auth.AuthorizationHeader(cred.APIKey, []byte(cred.SharedKey), date)}})
	if r.Status != 200 {
		t.Fatalf("the allowed product: %d %s", r.Status, r.Body)
	}
}
