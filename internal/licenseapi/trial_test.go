package licenseapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/testkit"
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

// trial_key never hands out the password of a license user that existed
// before the call: anyone holding the application's API key could ask for
// a trial with someone else's e-mail and then sign in as them.
func TestTrialKeyNeverShowsAnExistingUsersPassword(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	svc := c.App.Service
	_, err := svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "UTRIAL", Name: "User trial", AuthorizationMethod: "user",
		Settings: []string{"allow_trial=true", "trial_days=7"}})
	must(t, err)
	// The victim holds a paid license of another product, with a generated
	// initial password.
	one := int64(1)
	paid, err := svc.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "USER", MaxActivations: &one})
	must(t, err)
	victim, err := svc.CreateLicenseUser(ctx, c.CompanyID, licensing.UserSpec{LicenseID: paid.ID, Email: "victim@example.com"})
	must(t, err)

	for i, email := range []string{"victim@example.com", "VICTIM@example.com", "victim@example.com"} {
		var m map[string]any
		c.ok(c.get("trial_key", map[string]string{"product": "UTRIAL", "hardware_id": fmt.Sprintf("attacker-%d", i), "email": email}), &m)
		if v, ok := m["initial_password"]; !ok || v != nil {
			t.Fatalf("trial %d for an existing user answered initial_password %v", i, v)
		}
		if num(m, "license_user_id") != victim.ID {
			t.Fatalf("trial %d = %v", i, m)
		}
	}
	// The victim's password still works, and was never shown.
	c.license(c.post("activate_license", map[string]any{"product": "USER", "hardware_id": "victim-pc", "username": "victim@example.com",
		"password": victim.InitialPassword}), "victim-pc", "victim@example.com")

	// A user created by the trial gets its password, once.
	var m map[string]any
	c.ok(c.get("trial_key", map[string]string{"product": "UTRIAL", "hardware_id": "newcomer-pc", "email": "newcomer@example.com"}), &m)
	pw, _ := m["initial_password"].(string)
	if len(pw) < 8 {
		t.Fatalf("new user's trial = %v", m)
	}
	m = nil
	c.ok(c.get("trial_key", map[string]string{"product": "UTRIAL", "hardware_id": "newcomer-laptop", "email": "newcomer@example.com"}), &m)
	if m["initial_password"] != nil {
		t.Fatalf("a second trial for the same user showed its password: %v", m)
	}
}

// Concurrent user-based trials for one new e-mail create one license user;
// none fails, and exactly one answer carries its password.
func TestTrialKeyConcurrentNewUser(t *testing.T) {
	// More trials than one address gets by default race here.
	c := newCatalog(t, func(cfg *app.Config) { cfg.Trials = licensing.TrialLimit{PerIP: 1000, Window: time.Hour} })
	ctx := context.Background()
	_, err := c.App.Service.SetProduct(ctx, c.CompanyID, "USER", []string{"allow_trial=true", "trial_days=7"})
	must(t, err)
	const n = 40
	results := race(n, func(i int) testkit.Response {
		return c.get("trial_key", map[string]string{"product": "USER", "hardware_id": fmt.Sprintf("racer-%d", i), "email": "race@example.com"})
	})
	withPassword := 0
	var userID int64
	for i, r := range results {
		var m map[string]any
		c.ok(r, &m)
		if pw, _ := m["initial_password"].(string); pw != "" {
			withPassword++
		}
		if userID == 0 {
			userID = num(m, "license_user_id")
		}
		if num(m, "license_user_id") != userID || userID == 0 {
			t.Fatalf("trial %d = %v: not the same user", i, m)
		}
	}
	if withPassword != 1 {
		t.Fatalf("%d answers carried the new user's password, want exactly 1", withPassword)
	}
	// One customer too.
	if _, err := c.App.Store.Reader().CustomerByEmail(ctx, c.CompanyID, "race@example.com"); err != nil {
		t.Fatal(err)
	}
}

// One device gets one trial of a product, however many ask at once.
func TestTrialKeyConcurrentOneDevice(t *testing.T) {
	c := newCatalog(t)
	const n = 40
	results := race(n, func(int) testkit.Response {
		return c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": "one-device"})
	})
	keys := map[string]bool{}
	for _, r := range results {
		var m map[string]any
		c.ok(r, &m)
		k, _ := m["license_key"].(string)
		if k == "" {
			k, _ = m["license"].(string)
		}
		keys[k] = true
	}
	if len(keys) != 1 {
		t.Fatalf("one device got %d trials: %v", len(keys), keys)
	}
}

// Trials are limited per client address and product, so one caller cannot
// fill the database with trial licenses.
func TestTrialKeyIsRateLimitedPerAddressAndProduct(t *testing.T) {
	c := newCatalog(t, func(cfg *app.Config) { cfg.Trials = licensing.TrialLimit{PerIP: 3, Window: time.Hour} })
	ctx := context.Background()
	_, err := c.App.Service.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "OTHER", Name: "Other", AuthorizationMethod: "license-key",
		Settings: []string{"allow_trial=true", "trial_days=3"}})
	must(t, err)
	for i := range 3 {
		c.ok(c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": fmt.Sprintf("flood-%d", i)}), nil)
	}
	r := c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": "flood-3"})
	wantError(t, r, 429, "too_many_requests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// A device that has its trial still gets it back, and another product
	// has its own allowance.
	c.ok(c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": "flood-0"}), nil)
	c.ok(c.get("trial_key", map[string]string{"product": "OTHER", "hardware_id": "flood-3"}), nil)
	n, err := c.App.Store.Reader().CountTrials(ctx, c.CompanyID)
	must(t, err)
	if n != 4 {
		t.Fatalf("%d trials issued, want 4", n)
	}

	// A user-based trial for a new e-mail costs a password hash; a caller
	// past its allowance is refused before it can make the server hash.
	_, err = c.App.Service.SetProduct(ctx, c.CompanyID, "USER", []string{"allow_trial=true", "trial_days=7"})
	must(t, err)
	for i := range 3 {
		c.ok(c.get("trial_key", map[string]string{"product": "USER", "hardware_id": fmt.Sprintf("u-%d", i), "email": fmt.Sprintf("u%d@example.com", i)}), nil)
	}
	runs := c.App.Hasher.Runs()
	wantError(t, c.get("trial_key", map[string]string{"product": "USER", "hardware_id": "u-3", "email": "u3@example.com"}), 429, "too_many_requests")
	if c.App.Hasher.Runs() != runs {
		t.Fatal("a refused trial made the server hash a password")
	}
}
