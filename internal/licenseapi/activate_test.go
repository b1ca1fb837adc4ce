package licenseapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/signing"
	"github.com/licensor/licensor/internal/testkit"
)

func TestActivateKeyBased(t *testing.T) {
	c := newCatalog(t)
	c.keyLicense("KEY-0001", 2)
	req := map[string]any{"product": "KEY", "hardware_id": "HW-1", "license_key": "KEY-0001",
		"app_ver": "1.2.3", "sdk_ver": "NodeSDK 1.4.17", "os_ver": "linux", "hostname": "box", "is_vm": false,
		"variables": map[string]any{"seat": "A", "n": 3}, "unknown_future_field": true}
	m := c.license(c.post("activate_license", req), "HW-1", "KEY-0001")

	for k, want := range map[string]any{"license_key": "KEY-0001", "license_type": "perpetual", "license_enabled": true,
		"license_active": true, "active": true, "is_expired": false, "hardware_id": "HW-1", "request": "activation",
		"validity_period": nil, "is_trial": false} {
		if fmt.Sprint(m[k]) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if num(m, "times_activated") != 1 || num(m, "max_activations") != 2 || num(m, "device_id") == 0 {
		t.Errorf("counters: %v %v %v", m["times_activated"], m["max_activations"], m["device_id"])
	}
	if _, ok := m["user"]; ok {
		t.Error("a key-based license carries a user")
	}
	pd := m["product_details"].(map[string]any)
	if pd["short_code"] != "KEY" || pd["authorization_method"] != "license-key" {
		t.Errorf("product_details = %v", pd)
	}
	feats := m["product_features"].([]any)
	if len(feats) != 2 || feats[0].(map[string]any)["code"] != "pro" || feats[1].(map[string]any)["feature_type"] != "consumption" ||
		num(feats[1].(map[string]any), "max_consumption") != 100 {
		t.Errorf("product_features = %v", feats)
	}
	if _, ok := feats[0].(map[string]any)["max_consumption"]; ok {
		t.Error("an activation feature carries consumption fields")
	}
	cf := m["custom_fields"].([]any)
	if len(cf) != 1 || cf[0].(map[string]any)["name"] != "tier" || cf[0].(map[string]any)["value"] != "gold" {
		t.Errorf("custom_fields = %v", cf)
	}
	vars := m["variables"].([]any)
	if len(vars) != 2 || vars[0].(map[string]any)["variable"] != "n" || vars[0].(map[string]any)["value"] != "3" {
		t.Errorf("variables = %v", vars)
	}
	if cust := m["customer"].(map[string]any); cust["email"] != "" || cust["customer_account"] != nil {
		t.Errorf("customer of a license without one = %v", cust)
	}

	// Activating the same device again is idempotent: no second slot.
	m = c.license(c.post("activate_license", req), "HW-1", "KEY-0001")
	if num(m, "times_activated") != 1 {
		t.Fatalf("re-activation took a slot: times_activated = %v", m["times_activated"])
	}
	// The device's telemetry was stored.
	lic, err := c.App.Store.Reader().LicenseByKey(context.Background(), c.CompanyID, "KEY-0001")
	must(t, err)
	d, err := c.App.Store.Reader().Device(context.Background(), lic.ID, "HW-1")
	must(t, err)
	if d.AppVer != "1.2.3" || d.SDKVer != "NodeSDK 1.4.17" || d.Hostname != "box" || !d.IsActive {
		t.Fatalf("device = %+v", d)
	}
}

func TestActivateUserBased(t *testing.T) {
	c := newCatalog(t)
	older := c.userLicense("", "ann@example.com", "ann password")
	time.Sleep(2 * time.Millisecond) // distinct created_at: newest wins
	newer := c.userLicense("", "", "")
	must(t, c.App.Service.AttachLicenseUser(context.Background(), c.CompanyID, newer, "ann@example.com", 0))

	// Without license_id: the newest license of the user.
	m := c.license(c.post("activate_license", map[string]any{"product": "USER", "hardware_id": "hw-u", "username": "ANN@example.com|ACME", "password": "ann password"}),
		"hw-u", "ANN@example.com|ACME")
	if num(m, "id") != newer || m["username"] != "ANN@example.com|ACME" {
		t.Fatalf("activated license %v (username %v), want the newest %d", m["id"], m["username"], newer)
	}
	if _, ok := m["license_key"]; ok {
		t.Error("a user-based license carries a license_key")
	}
	u := m["user"].(map[string]any)
	if u["email"] != "ann@example.com" || u["is_initial_password"] != false || num(u, "total_activations") != 1 {
		t.Errorf("user = %v", u)
	}
	// With license_id: that one.
	m = c.license(c.post("activate_license", map[string]any{"product": "USER", "hardware_id": "hw-u", "username": "ann@example.com", "password": "ann password", "license_id": older}),
		"hw-u", "ann@example.com")
	if num(m, "id") != older {
		t.Fatalf("license_id %d activated %v", older, m["id"])
	}
}

// activateErrorCase is one row of an error table: the request and the
// expected status and code.
type activateErrorCase struct {
	name   string
	body   any // a map or a raw string
	status int
	code   string
}

func TestActivateErrors(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	svc := c.App.Service
	c.keyLicense("GOOD-KEY", 1)
	c.keyLicense("FULL-KEY", 1)
	c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "other", "license_key": "FULL-KEY"})
	disabled := c.keyLicense("OFF-KEY", 1)
	must(t, svc.SetLicenseEnabled(ctx, c.CompanyID, disabled, false))
	c.keyLicense("OLD-KEY", 1, "validity_period=2020-01-01T00:00:00Z")
	c.keyLicense("OLD-TRIAL", 1, "validity_period=2020-01-01T00:00:00Z", "is_trial=true")
	c.keyLicense("FUTURE-KEY", 1, "start_date=2099-01-01T00:00:00Z")
	c.keyLicense("NOVM-KEY", 1, "prevent_vm=true")
	c.keyLicense("NOMOVE-KEY", 5, "max_transfers=-1")
	c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "first", "license_key": "NOMOVE-KEY"})
	c.post("deactivate_license", map[string]any{"product": "KEY", "hardware_id": "first", "license_key": "NOMOVE-KEY"})
	c.keyLicense("ONCE-KEY", 5, "max_transfers=1")
	for _, hw := range []string{"a", "b"} {
		c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": hw, "license_key": "ONCE-KEY"})
		c.post("deactivate_license", map[string]any{"product": "KEY", "hardware_id": hw, "license_key": "ONCE-KEY"})
	}
	must(t, svc.BlacklistDevice(ctx, c.CompanyID, "BAD-HW", "stolen"))
	_, err := svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "OLDAPP", Name: "x", AuthorizationMethod: "license-key", Settings: []string{"is_archived=true"}})
	must(t, err)
	_, err = svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "OTHER", Name: "x", AuthorizationMethod: "license-key"})
	must(t, err)
	_, err = svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "OFFAPP", Name: "x", AuthorizationMethod: "license-key", Settings: []string{"is_disabled=true"}})
	must(t, err)
	c.userLicense("", "bob@example.com", "bob password")
	inactive := c.userLicense("", "inactive@example.com", "some password")
	users, _, err := c.App.Store.Reader().LicenseUsersOf(ctx, inactive)
	must(t, err)
	must(t, svc.SetLicenseUserActive(ctx, c.CompanyID, users[0].ID, false))

	key := func(k, hw string) map[string]any {
		return map[string]any{"product": "KEY", "hardware_id": hw, "license_key": k}
	}
	tests := []activateErrorCase{
		{"empty body", "", 400, "missing_parameters"},
		{"no hardware_id", map[string]any{"product": "KEY", "license_key": "GOOD-KEY"}, 400, "missing_parameters"},
		{"no product", map[string]any{"hardware_id": "h", "license_key": "GOOD-KEY"}, 400, "missing_parameters"},
		{"no key or user", map[string]any{"product": "KEY", "hardware_id": "h"}, 400, "missing_parameters"},
		{"username on a key-based product", map[string]any{"product": "KEY", "hardware_id": "h", "username": "bob@example.com", "password": "x"}, 400, "missing_parameters"},
		{"user without password", map[string]any{"product": "USER", "hardware_id": "h", "username": "bob@example.com"}, 400, "missing_parameters"},
		{"invalid JSON", `{"product":`, 400, "invalid_json"},
		{"array body", `[1]`, 400, "validation_error"},
		{"number key", map[string]any{"product": "KEY", "hardware_id": "h", "license_key": 42}, 400, "validation_error"},
		{"string license_id", map[string]any{"product": "KEY", "hardware_id": "h", "license_key": "GOOD-KEY", "license_id": "one"}, 400, "validation_error"},
		{"variables not an object", map[string]any{"product": "KEY", "hardware_id": "h", "license_key": "GOOD-KEY", "variables": "x"}, 400, "validation_error"},
		{"unknown product", map[string]any{"product": "NOPE", "hardware_id": "h", "license_key": "GOOD-KEY"}, 400, "unknown_product"},
		{"archived product", map[string]any{"product": "OLDAPP", "hardware_id": "h", "license_key": "GOOD-KEY"}, 400, "archived_product"},
		{"disabled product", map[string]any{"product": "OFFAPP", "hardware_id": "h", "license_key": "GOOD-KEY"}, 400, "disabled_product"},
		{"unknown key", key("NO-SUCH-KEY", "h"), 400, "license_not_found"},
		{"key of another product", map[string]any{"product": "OTHER", "hardware_id": "h", "license_key": "GOOD-KEY"}, 400, "license_not_found"},
		{"license_id of another license", map[string]any{"product": "KEY", "hardware_id": "h", "license_key": "GOOD-KEY", "license_id": 999999}, 400, "license_not_found"},
		{"wrong password", map[string]any{"product": "USER", "hardware_id": "h", "username": "bob@example.com", "password": "nope nope"}, 400, "user_not_found"},
		{"unknown user", map[string]any{"product": "USER", "hardware_id": "h", "username": "nobody@example.com", "password": "nope nope"}, 400, "user_not_found"},
		{"inactive user", map[string]any{"product": "USER", "hardware_id": "h", "username": "inactive@example.com", "password": "some password"}, 400, "user_not_found"},
		{"user license_id not theirs", map[string]any{"product": "USER", "hardware_id": "h", "username": "bob@example.com", "password": "bob password", "license_id": inactive}, 400, "license_not_found"},
		{"blacklisted device", key("GOOD-KEY", "BAD-HW"), 400, "blacklisted"},
		{"disabled license", key("OFF-KEY", "h"), 400, "license_not_enabled"},
		{"not started", key("FUTURE-KEY", "h"), 400, "license_not_active"},
		{"expired", key("OLD-KEY", "h"), 400, "license_expired"},
		{"expired trial", key("OLD-TRIAL", "h"), 400, "trial_expired"},
		{"virtual machine", map[string]any{"product": "KEY", "hardware_id": "h", "license_key": "NOVM-KEY", "is_vm": true}, 400, "vm_not_allowed"},
		{"all slots taken", key("FULL-KEY", "h"), 400, "license_activated_max_times"},
		{"transfers forbidden", key("NOMOVE-KEY", "second"), 400, "license_transferred_max_times"},
		{"transfers used up", key("ONCE-KEY", "c"), 400, "license_transferred_max_times"},
		{"GET", nil, 405, "method_not_allowed"},
	}
	before := snapshot(t, c.Server)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r testkit.Response
			switch b := tt.body.(type) {
			case nil:
				r = c.Do(testkit.Request{Method: "GET", Path: "/api/v4/activate_license"})
			case string:
				r = c.Do(testkit.Request{Method: "POST", Path: "/api/v4/activate_license", Body: b})
			default:
				r = c.post("activate_license", b)
			}
			wantError(t, r, tt.status, tt.code)
		})
	}
	if after := snapshot(t, c.Server); after != before {
		t.Fatalf("failed activations changed the database:\n%s\n%s", before, after)
	}
}

// snapshot summarizes the license data, ignoring the throttle's records.
func snapshot(t *testing.T, s *testkit.Server) string {
	t.Helper()
	snap, err := s.App.Store.Snapshot(context.Background())
	must(t, err)
	return snap
}

func TestActivateLimits(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	// Per-user limit on a user-based license with room for more devices.
	three := int64(3)
	l, err := c.App.Service.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "USER", MaxActivations: &three})
	must(t, err)
	_, err = c.App.Service.CreateLicenseUser(ctx, c.CompanyID, licensing.UserSpec{LicenseID: l.ID, Email: "u@example.com", Password: "user password", MaxActivations: 1})
	must(t, err)
	act := func(hw string) testkit.Response {
		return c.post("activate_license", map[string]any{"product": "USER", "hardware_id": hw, "username": "u@example.com", "password": "user password"})
	}
	c.license(act("d1"), "d1", "u@example.com")
	wantError(t, act("d2"), 400, "licenseUserActivatedMaxTimes")
	// Deactivating gives the user's activation back.
	wantDeactivated(t, c.post("deactivate_license", map[string]any{"product": "USER", "hardware_id": "d1", "username": "u@example.com"}))
	c.license(act("d2"), "d2", "u@example.com")

	// A transfer: deactivate one device, activate another; counted once.
	c.keyLicense("MOVE-KEY", 1, "max_transfers=2")
	k := func(hw string) map[string]any {
		return map[string]any{"product": "KEY", "hardware_id": hw, "license_key": "MOVE-KEY"}
	}
	c.license(c.post("activate_license", k("old")), "old", "MOVE-KEY")
	wantDeactivated(t, c.post("deactivate_license", k("old")))
	// Coming back to the same device is no transfer.
	m := c.license(c.post("activate_license", k("old")), "old", "MOVE-KEY")
	if num(m, "transfer_count") != 0 {
		t.Fatalf("re-activating the same device counted a transfer")
	}
	wantDeactivated(t, c.post("deactivate_license", k("old")))
	m = c.license(c.post("activate_license", k("new")), "new", "MOVE-KEY")
	if num(m, "transfer_count") != 1 || num(m, "times_activated") != 1 {
		t.Fatalf("after a transfer: transfer_count %v times_activated %v", m["transfer_count"], m["times_activated"])
	}

	// A duration-based license gets its expiry at the first activation.
	c.keyLicense("DUR-KEY", 1, "license_type=time-limited", "valid_duration=30d")
	before := time.Now()
	m = c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "x", "license_key": "DUR-KEY"}), "x", "DUR-KEY")
	v, err := time.Parse("2006-01-02T15:04:05.000Z", m["validity_period"].(string))
	must(t, err)
	if v.Before(before.AddDate(0, 0, 30).Add(-time.Minute)) || v.After(time.Now().AddDate(0, 0, 30).Add(time.Minute)) {
		t.Fatalf("validity_period %v, want 30 days from now", v)
	}
	if m["validity_period"] != signing.FormatTime(v) {
		t.Fatal("validity_period not in YYYY-MM-DDTHH:mm:ss.sssZ form")
	}
}

// N devices racing to activate a license with max_activations k leave
// exactly k active devices.
func TestActivateConcurrentRespectsMaxActivations(t *testing.T) {
	c := newCatalog(t)
	const n, k = 24, 5
	id := c.keyLicense("RACE-KEY", k)
	results := race(n, func(i int) testkit.Response {
		return c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": fmt.Sprintf("dev-%02d", i), "license_key": "RACE-KEY"})
	})
	won := 0
	for _, r := range results {
		if r.Status == 200 {
			won++
			continue
		}
		wantError(t, r, 400, "license_activated_max_times")
	}
	if won != k {
		t.Fatalf("%d activations succeeded, want exactly %d", won, k)
	}
	l, err := c.App.Store.Reader().License(context.Background(), c.CompanyID, id)
	must(t, err)
	var active int
	for i := range n {
		d, err := c.App.Store.Reader().Device(context.Background(), id, fmt.Sprintf("dev-%02d", i))
		if err == nil && d.IsActive {
			active++
		}
	}
	if l.TimesActivated != k || active != k {
		t.Fatalf("times_activated %d, active devices %d; want %d", l.TimesActivated, active, k)
	}
}

func wantDeactivated(t *testing.T, r testkit.Response) {
	t.Helper()
	if r.Status != 200 || string(r.Body) != `"license_deactivated"` {
		t.Fatalf("deactivate = %d %s", r.Status, r.Body)
	}
}
