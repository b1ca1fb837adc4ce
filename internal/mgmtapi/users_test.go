package mgmtapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/licensing"
)

// A vendor resets a forgotten password: the new one works in the License
// API at once, the old one is refused (management-api.md §5.11).
func TestSetPassword(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, err := w.App.Service.CreateProduct(ctx, w.CompanyID, licensing.ProductSpec{Code: "TEAM", Name: "Team", AuthorizationMethod: "user"})
	must(t, err)
	five := int64(5)
	lic, err := w.App.Service.CreateLicense(ctx, w.CompanyID, licensing.LicenseSpec{Product: "TEAM", MaxActivations: &five})
	must(t, err)
	u, err := w.App.Service.CreateLicenseUser(ctx, w.CompanyID, licensing.UserSpec{LicenseID: lic.ID, Email: "Ann@Example.com"})
	must(t, err)
	activate := func(pw, hw string) string {
		return licenseCode(t, w.licenseAPI("POST", "activate_license", map[string]any{"product": "TEAM", "hardware_id": hw,
			"username": "ann@example.com", "password": pw}))
	}
	if code := activate(u.InitialPassword, "hw-1"); code != "ok" {
		t.Fatalf("initial password: %s", code)
	}
	byID := fmt.Sprintf("license-users/%d/set_password/", u.ID)
	before := w.snapshot()
	for _, tt := range []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"too short", byID, `{"password":"short"}`, 400, "validation_error"},
		{"only white space", byID, `{"password":"          "}`, 400, "validation_error"},
		{"no password", byID, `{}`, 400, "missing_parameters"},
		{"an unknown field", byID, `{"password":"Long-enough-1","new":1}`, 400, "validation_error"},
		{"a number", byID, `{"password":true}`, 400, "validation_error"},
		{"duplicate keys", byID, `{"password":"Long-enough-1","password":"Other-enough-2"}`, 400, "validation_error"},
		{"not JSON", byID, `{"password":`, 400, "invalid_json"},
		{"an array", byID, `["x"]`, 400, "validation_error"},
		{"unknown user", "license-users/424242/set_password/", `{"password":"Long-enough-1"}`, 404, "not_found"},
		{"unknown user before the body", "license-users/424242/set_password/", `nope`, 404, "not_found"},
		{"unknown email", "license-users/set_password/?email=nobody@example.com", `{"password":"Long-enough-1"}`, 404, "not_found"},
		{"no email", "license-users/set_password/", `{"password":"Long-enough-1"}`, 400, "missing_parameters"},
		{"another parameter", byID + "?x=1", `{"password":"Long-enough-1"}`, 400, "validation_error"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, w.post(tt.path, tt.body), tt.status, tt.code) })
	}
	if w.snapshot() != before {
		t.Fatal("refused requests changed the database")
	}
	wantMessage(t, w.post(byID, `{"password":"Vendor-chosen-1"}`), "Password set.")
	if code := activate(u.InitialPassword, "hw-2"); code != "user_not_found" {
		t.Fatalf("the old password after set_password: %s", code)
	}
	if code := activate("Vendor-chosen-1", "hw-2"); code != "ok" {
		t.Fatalf("the new password: %s", code)
	}
	// By e-mail, matched case-insensitively.
	wantMessage(t, w.post("license-users/set_password/?email=ANN@example.com", `{"password":"Second-choice-2"}`), "Password set.")
	if code := activate("Second-choice-2", "hw-1"); code != "ok" {
		t.Fatalf("the password set by e-mail: %s", code)
	}
	got := w.get(fmt.Sprintf("licenses/%d/", lic.ID)).json(t)["license_users"].([]any)[0].(map[string]any)
	if got["is_initial_password"] != false || got["initial_password"] != "" {
		t.Fatalf("the user after set_password: %v", got)
	}
	// The audit log has who and what, never the password.
	events, err := w.App.Store.Reader().AuditEvents(ctx, w.CompanyID, "license_user.password_set")
	must(t, err)
	if len(events) != 2 || strings.Contains(events[0].Details, "Second-choice-2") || events[0].ActorType != "management_key" {
		t.Fatalf("audit: %+v", events)
	}
}

// A locked-out user can sign in once the vendor sets a password.
func TestSetPasswordClearsTheThrottle(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, err := w.App.Service.CreateProduct(ctx, w.CompanyID, licensing.ProductSpec{Code: "TEAM", Name: "Team", AuthorizationMethod: "user"})
	must(t, err)
	lic, err := w.App.Service.CreateLicense(ctx, w.CompanyID, licensing.LicenseSpec{Product: "TEAM"})
	must(t, err)
	u, err := w.App.Service.CreateLicenseUser(ctx, w.CompanyID, licensing.UserSpec{LicenseID: lic.ID, Email: "bob@example.com"})
	must(t, err)
	activate := func(pw string) string {
		return licenseCode(t, w.licenseAPI("POST", "activate_license", map[string]any{"product": "TEAM", "hardware_id": "hw",
			"username": "bob@example.com", "password": pw}))
	}
	for range licensing.DefaultThrottle.PerUser {
		activate("a wrong password")
	}
	if code := activate("a wrong password"); code != "too_many_requests" {
		t.Fatalf("after the limit: %s", code)
	}
	wantMessage(t, w.post(fmt.Sprintf("license-users/%d/set_password", u.ID), `{"password":"Fresh-start-1"}`), "Password set.")
	if code := activate("Fresh-start-1"); code != "ok" {
		t.Fatalf("after the vendor's reset: %s", code)
	}
}

func TestLicenseUsersAndAuditLists(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, err := w.App.Service.CreateProduct(ctx, w.CompanyID, licensing.ProductSpec{Code: "TEAM", Name: "Team", AuthorizationMethod: "user"})
	must(t, err)
	lic, err := w.App.Service.CreateLicense(ctx, w.CompanyID, licensing.LicenseSpec{Product: "TEAM"})
	must(t, err)
	ann, err := w.App.Service.CreateLicenseUser(ctx, w.CompanyID, licensing.UserSpec{LicenseID: lic.ID, Email: "Ann@Example.com"})
	must(t, err)
	_, err = w.App.Service.CreateLicenseUser(ctx, w.CompanyID, licensing.UserSpec{LicenseID: lic.ID, Email: "bob@example.com"})
	must(t, err)
	l := w.get("license-users/?true_email=ANN@example.com").json(t)
	if l["count"] != float64(1) {
		t.Fatalf("by e-mail: %v", l)
	}
	u := l["results"].([]any)[0].(map[string]any)
	if u["email"] != "Ann@Example.com" || u["true_email"] != "ann@example.com" || u["is_initial_password"] != true ||
		u["initial_password"] != ann.InitialPassword || u["licenses"].([]any)[0].(map[string]any)["license"] != float64(lic.ID) {
		t.Fatalf("license user: %v", u)
	}
	if n := w.get(fmt.Sprintf("license-users/?license=%d&order_by=-true_email", lic.ID)).json(t); n["count"] != float64(2) ||
		n["results"].([]any)[0].(map[string]any)["email"] != "bob@example.com" {
		t.Fatalf("users of the license: %v", n)
	}
	if g := w.get(fmt.Sprintf("license-users/%d", ann.ID)).json(t); g["id"] != float64(ann.ID) {
		t.Fatalf("one user: %v", g)
	}
	wantError(t, w.get("license-users/?email=x"), 400, "validation_error")

	wantMessage(t, w.post(fmt.Sprintf("license-users/%d/set_password/", ann.ID), `{"password":"Audited-pass-1"}`), "Password set.")
	a := w.get("audit-events/?action__startswith=license_user.").json(t)
	if a["count"] != float64(1) {
		t.Fatalf("audit: %v", a)
	}
	e := a["results"].([]any)[0].(map[string]any)
	if e["action"] != "license_user.password_set" || e["actor"].(map[string]any)["type"] != "management_key" ||
		e["subject"].(map[string]any)["id"] != float64(ann.ID) || strings.Contains(fmt.Sprint(e), "Audited-pass-1") {
		t.Fatalf("audit event: %v", e)
	}
	if g := w.get(fmt.Sprintf("audit-events/%v/", e["id"])).json(t); g["action"] != "license_user.password_set" {
		t.Fatalf("one audit event: %v", g)
	}
	wantError(t, w.get("audit-events/999999/"), 404, "not_found")
}
