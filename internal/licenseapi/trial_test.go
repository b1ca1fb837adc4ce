package licenseapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/licensing"
)

func TestTrialKey(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	svc := c.App.Service

	var m map[string]any
	c.ok(c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": "T1", "email": "lead@example.com", "first_name": "Lee"}), &m)
	key, _ := m["license_key"].(string)
	if key == "" || m["license"] != key || m["is_trial"] != true || num(m, "trial_days") != 14 || m["active"] != false {
		t.Fatalf("new trial = %v", m)
	}
	v, err := time.Parse("2006-01-02T15:04:05.000Z", m["validity_period"].(string))
	must(t, err)
	if d := time.Until(v); d < 13*24*time.Hour || d > 15*24*time.Hour {
		t.Fatalf("trial validity %v is not 14 days out", v)
	}
	if len(m["LicenseProductFeatures"].([]any)) != 2 || len(m["LicenseCustomFields"].([]any)) != 1 {
		t.Fatalf("trial features/fields = %v / %v", m["LicenseProductFeatures"], m["LicenseCustomFields"])
	}
	// The trial activates like any license, and its customer was recorded.
	a := c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "T1", "license_key": key}), "T1", key)
	if a["is_trial"] != true || a["customer"].(map[string]any)["email"] != "lead@example.com" || a["customer"].(map[string]any)["first_name"] != "Lee" {
		t.Fatalf("activated trial = %v", a)
	}

	// The same device asks again: the same trial, in the short form.
	m = nil
	c.ok(c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": "T1"}), &m)
	if len(m) != 3 || m["license"] != key || m["is_trial"] != true || m["license_type"] != "perpetual" {
		t.Fatalf("existing trial = %v", m)
	}
	// Another device gets its own.
	m = nil
	c.ok(c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": "T2"}), &m)
	if m["license_key"] == key {
		t.Fatal("a second device got the first device's trial")
	}

	// An expired trial is not renewed.
	lic, err := c.App.Store.Reader().LicenseByKey(ctx, c.CompanyID, key)
	must(t, err)
	_, err = svc.SetLicense(ctx, c.CompanyID, lic.ID, []string{"validity_period=2020-01-01T00:00:00Z"})
	must(t, err)
	wantError(t, c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": "T1"}), 400, "trial_expired")
	// Unless the company allows several trials per device.
	must(t, svc.SetCompanySetting(ctx, c.CompanyID, "allow_multiple_trials", "true"))
	m = nil
	c.ok(c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": "T1"}), &m)
	if m["license_key"] == key || m["license_key"] == nil {
		t.Fatalf("allow_multiple_trials: %v", m)
	}
}

func TestTrialKeyUserBased(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	_, err := c.App.Service.SetProduct(ctx, c.CompanyID, "USER", []string{"allow_trial=true", "trial_days=7"})
	must(t, err)
	wantError(t, c.get("trial_key", map[string]string{"product": "USER", "hardware_id": "U1"}), 400, "missing_parameters")

	var m map[string]any
	c.ok(c.get("trial_key", map[string]string{"product": "USER", "hardware_id": "U1", "email": "Trial@Example.com"}), &m)
	pw, _ := m["initial_password"].(string)
	if m["license_user"] != "Trial@Example.com" || len(pw) < 8 || num(m, "license_user_id") == 0 {
		t.Fatalf("user trial = %v", m)
	}
	if _, ok := m["license_key"]; ok {
		t.Fatal("a user-based trial carries a license key")
	}
	// The user activates with the initial password.
	a := c.license(c.post("activate_license", map[string]any{"product": "USER", "hardware_id": "U1", "username": "trial@example.com", "password": pw}), "U1", "trial@example.com")
	if a["user"].(map[string]any)["is_initial_password"] != true {
		t.Fatalf("user = %v", a["user"])
	}
	m = nil
	c.ok(c.get("trial_key", map[string]string{"product": "USER", "hardware_id": "U1", "email": "Trial@Example.com"}), &m)
	if len(m) != 3 || m["license_user"] != "Trial@Example.com" {
		t.Fatalf("existing user trial = %v", m)
	}
}

func TestTrialKeyErrors(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	_, err := c.App.Service.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "NOTRIAL", Name: "x", AuthorizationMethod: "license-key"})
	must(t, err)
	must(t, c.App.Service.BlacklistDevice(ctx, c.CompanyID, "BAD", ""))
	for _, tt := range []struct {
		name  string
		query map[string]string
		code  string
	}{
		{"missing", map[string]string{}, "missing_parameters"},
		{"no hardware_id", map[string]string{"product": "KEY"}, "missing_parameters"},
		{"unknown product", map[string]string{"product": "NOPE", "hardware_id": "h"}, "unknown_product"},
		{"trials off", map[string]string{"product": "NOTRIAL", "hardware_id": "h"}, "trial_not_allowed"},
		{"bad email", map[string]string{"product": "KEY", "hardware_id": "h", "email": "not an email"}, "validation_error"},
		{"blacklisted", map[string]string{"product": "KEY", "hardware_id": "BAD"}, "blacklisted"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, c.get("trial_key", tt.query), 400, tt.code) })
	}
}
