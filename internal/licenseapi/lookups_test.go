package licenseapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/licensing"
)

func TestProductDetails(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	var m map[string]any
	c.ok(c.get("product_details", map[string]string{"product": "KEY"}), &m)
	if m["product_name"] != "Key App" || m["short_code"] != "KEY" || m["allow_trial"] != true || num(m, "trial_days") != 14 ||
		m["authorization_method"] != "license-key" || m["metadata_string"] != `{"vendor":"acme"}` {
		t.Fatalf("product_details = %v", m)
	}
	for _, k := range []string{"latest_version", "custom_fields"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s present without being asked for", k)
		}
	}
	// Asked for, with no version yet: null.
	m = nil
	c.ok(c.get("product_details", map[string]string{"product": "KEY", "include_latest_version": "true", "include_custom_fields": "true"}), &m)
	if v, ok := m["latest_version"]; !ok || v != nil {
		t.Fatalf("latest_version = %v, want null", v)
	}
	cf := m["custom_fields"].([]any)
	if len(cf) != 1 || cf[0].(map[string]any)["name"] != "tier" || cf[0].(map[string]any)["default_value"] != "gold" {
		t.Fatalf("custom_fields = %v", cf)
	}
	// With versions: the newest, optionally of one environment.
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := c.App.Service.AddVersion(ctx, c.CompanyID, licensing.VersionSpec{Product: "KEY", Version: "1.0.0", Environment: "win64", ReleaseDate: &old})
	must(t, err)
	_, err = c.App.Service.AddVersion(ctx, c.CompanyID, licensing.VersionSpec{Product: "KEY", Version: "1.1.0", Environment: "linux", FullLink: "https://example.com/1.1.0"})
	must(t, err)
	m = nil
	c.ok(c.get("product_details", map[string]string{"product": "KEY", "include_latest_version": "true"}), &m)
	if lv := m["latest_version"].(map[string]any); lv["version"] != "1.1.0" || lv["full_link"] != "https://example.com/1.1.0" {
		t.Fatalf("latest_version = %v", lv)
	}
	m = nil
	c.ok(c.get("product_details", map[string]string{"product": "KEY", "include_latest_version": "true", "env": "win64"}), &m)
	if lv := m["latest_version"].(map[string]any); lv["version"] != "1.0.0" || lv["release_date"] != "2026-01-01T00:00:00.000Z" {
		t.Fatalf("latest_version for win64 = %v", lv)
	}
	wantError(t, c.get("product_details", map[string]string{}), 400, "missing_parameters")
	wantError(t, c.get("product_details", map[string]string{"product": "NOPE"}), 400, "unknown_product")
	wantError(t, c.get("product_details", map[string]string{"product": "KEY", "include_custom_fields": "yes please"}), 400, "validation_error")
}

func TestCheckLicenseFeature(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	id := c.keyLicense("FEAT-KEY", 1)
	must(t, c.App.Service.SetLicenseFeature(ctx, c.CompanyID, id, "credits", []string{"total_consumptions=7", "consumption_period=monthly"}))
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "FEAT-KEY"}), "hw", "FEAT-KEY")
	q := func(feature string) map[string]string {
		return map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": "FEAT-KEY", "feature": feature}
	}
	var m map[string]any
	c.ok(c.get("check_license_feature", q("credits")), &m)
	if m["code"] != "credits" || m["feature_type"] != "consumption" || num(m, "max_consumption") != 100 ||
		num(m, "total_consumptions") != 7 || m["consumption_period"] != "monthly" || num(m, "license_id") != id ||
		m["company"].(map[string]any)["id"] == nil {
		t.Fatalf("consumption feature = %v", m)
	}
	m = nil
	c.ok(c.get("check_license_feature", q("pro")), &m)
	if m["feature_type"] != "activation" || m["name"] != "Pro" {
		t.Fatalf("activation feature = %v", m)
	}
	if _, ok := m["max_consumption"]; ok {
		t.Fatal("an activation feature carries consumption fields")
	}
	must(t, c.App.Service.SetLicenseFeature(ctx, c.CompanyID, id, "pro", []string{"expiry_date=2020-01-01T00:00:00Z"}))
	wantError(t, c.get("check_license_feature", q("pro")), 400, "feature_expired")
	wantError(t, c.get("check_license_feature", q("nope")), 400, "unsupported_product_feature")
	wantError(t, c.get("check_license_feature", q("")), 400, "missing_parameters")
	other := q("pro")
	other["hardware_id"] = "elsewhere"
	wantError(t, c.get("check_license_feature", other), 400, "device_not_found")
	other["license_key"] = "NO-SUCH-KEY"
	wantError(t, c.get("check_license_feature", other), 400, "license_not_found")
}

func TestUserLicenses(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	first := c.userLicense("", "ul@example.com", "user password")
	second := c.userLicense("", "", "")
	must(t, c.App.Service.AttachLicenseUser(ctx, c.CompanyID, second, "ul@example.com", 2))
	var arr []map[string]any
	c.ok(c.get("user_licenses", map[string]string{"product": "USER", "username": "ul@example.com", "password": "user password"}), &arr)
	if len(arr) != 2 {
		t.Fatalf("user_licenses = %d entries, want 2", len(arr))
	}
	ids := map[int64]bool{}
	for _, e := range arr {
		l, u := e["license"].(map[string]any), e["user"].(map[string]any)
		ids[num(l, "id")] = true
		if u["email"] != "ul@example.com" || l["license_enabled"] != true || l["license_active"] != false {
			t.Errorf("entry = %v", e)
		}
		if _, ok := l["license_signature"]; ok {
			t.Error("user_licenses entries carry a v1 signature")
		}
	}
	if !ids[first] || !ids[second] {
		t.Fatalf("licenses %v, want %d and %d", ids, first, second)
	}
	// The per-user limit shows on the membership.
	if u := arr[0]["user"].(map[string]any); num(u, "max_activations") != 2 || u["allow_unlimited_activations"] != false {
		t.Errorf("newest license membership = %v", u)
	}
	wantError(t, c.get("user_licenses", map[string]string{"product": "USER", "username": "ul@example.com", "password": "wrong one"}), 400, "user_not_found")
	wantError(t, c.get("user_licenses", map[string]string{"product": "USER", "username": "ul@example.com"}), 400, "missing_parameters")
	wantError(t, c.get("user_licenses", map[string]string{"product": "NOPE", "username": "ul@example.com", "password": "user password"}), 400, "unknown_product")
}

func TestCustomerLicenseUsers(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	one := int64(1)
	l, err := c.App.Service.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "USER", Customer: "buyer@example.com", MaxActivations: &one})
	must(t, err)
	u, err := c.App.Service.CreateLicenseUser(ctx, c.CompanyID, licensing.UserSpec{LicenseID: l.ID, Email: "seat1@example.com", FirstName: "Sam"})
	must(t, err)
	_, err = c.App.Service.CreateLicenseUser(ctx, c.CompanyID, licensing.UserSpec{LicenseID: l.ID, Email: "seat2@example.com", Password: "chosen password"})
	must(t, err)
	var m map[string]any
	c.ok(c.get("customer_license_users", map[string]string{"product": "USER", "customer": "BUYER@example.com"}), &m)
	if m["customer"].(map[string]any)["email"] != "buyer@example.com" {
		t.Fatalf("customer = %v", m["customer"])
	}
	users := m["users"].([]any)
	if len(users) != 2 {
		t.Fatalf("users = %v", users)
	}
	s1, s2 := users[0].(map[string]any), users[1].(map[string]any)
	// Initial passwords are not shown unless the company exposes them:
	// the API key asking ships inside every copy of the application.
	if v, ok := s1["initial_password"]; s1["email"] != "seat1@example.com" || !ok || v != nil || s1["is_initial_password"] != true ||
		s1["first_name"] != "Sam" || num(s1, "license_id") != l.ID {
		t.Fatalf("seat1 = %v", s1)
	}
	must(t, c.App.Service.SetCompanySetting(ctx, c.CompanyID, "expose_initial_passwords", "true"))
	m = nil
	c.ok(c.get("customer_license_users", map[string]string{"product": "USER", "customer": "BUYER@example.com"}), &m)
	s1, s2 = m["users"].([]any)[0].(map[string]any), m["users"].([]any)[1].(map[string]any)
	if s1["initial_password"] != u.InitialPassword || s1["is_initial_password"] != true {
		t.Fatalf("seat1 with expose_initial_passwords = %v", s1)
	}
	if s2["initial_password"] != nil || s2["is_initial_password"] != false {
		t.Fatalf("seat2 (vendor-chosen password) = %v", s2)
	}
	// After a password change the initial password is no longer shown.
	r := c.post("change_password", map[string]string{"username": "seat1@example.com", "password": u.InitialPassword, "new_password": "a new password"})
	if r.Status != 200 {
		t.Fatalf("change_password: %d %s", r.Status, r.Body)
	}
	m = nil
	c.ok(c.get("customer_license_users", map[string]string{"product": "USER", "customer": "buyer@example.com"}), &m)
	if s1 := m["users"].([]any)[0].(map[string]any); s1["initial_password"] != nil || s1["is_initial_password"] != false {
		t.Fatalf("after a change: %v", s1)
	}
	wantError(t, c.get("customer_license_users", map[string]string{"product": "USER", "customer": "nobody@example.com"}), 400, "customer_does_not_exist")
	wantError(t, c.get("customer_license_users", map[string]string{"product": "USER"}), 400, "missing_parameters")
	wantError(t, c.get("customer_license_users", map[string]string{"product": "NOPE", "customer": "buyer@example.com"}), 400, "unknown_product")
}

func TestDeviceLicenses(t *testing.T) {
	c := newCatalog(t)
	c.keyLicense("DEV-1", 1)
	c.keyLicense("DEV-2", 1)
	c.userLicense("", "dl@example.com", "user password")
	for _, k := range []string{"DEV-1", "DEV-2"} {
		c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "shared-hw", "license_key": k}), "shared-hw", k)
	}
	c.license(c.post("activate_license", map[string]any{"product": "USER", "hardware_id": "shared-hw", "username": "dl@example.com", "password": "user password"}), "shared-hw", "dl@example.com")
	var arr []map[string]any
	c.ok(c.get("device_licenses", map[string]string{"hardware_id": "shared-hw"}), &arr)
	if len(arr) != 3 {
		t.Fatalf("device_licenses = %d, want 3", len(arr))
	}
	var keys []string
	for _, l := range arr {
		if k, ok := l["license_key"].(string); ok {
			keys = append(keys, k)
		} else if l["user"].(map[string]any)["email"] != "dl@example.com" {
			t.Errorf("user-based entry without its user: %v", l)
		}
		if l["license_active"] != true {
			t.Errorf("entry not active: %v", l)
		}
	}
	if strings.Join(keys, ",") != "DEV-1,DEV-2" {
		t.Fatalf("keys = %v", keys)
	}
	arr = nil
	c.ok(c.get("device_licenses", map[string]string{"hardware_id": "unknown-hw"}), &arr)
	if len(arr) != 0 {
		t.Fatalf("an unknown device has licenses: %v", arr)
	}
	wantError(t, c.get("device_licenses", map[string]string{}), 400, "missing_parameters")
}
