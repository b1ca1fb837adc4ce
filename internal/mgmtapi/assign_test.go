package mgmtapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/licensor/licensor/internal/licensing"
)

// Assigning and unassigning license users (management-api.md §5.9), seen
// from the License API.
func TestAssignUnassignUser(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, err := w.App.Service.CreateProduct(ctx, w.CompanyID, licensing.ProductSpec{Code: "TEAM", Name: "Team", AuthorizationMethod: "user"})
	must(t, err)
	three := int64(3)
	lic, err := w.App.Service.CreateLicense(ctx, w.CompanyID, licensing.LicenseSpec{Product: "TEAM", MaxActivations: &three, Settings: []string{"max_license_users=2"}})
	must(t, err)
	w.catalogApp()
	keyLic := w.keyLicense("ASSIGN-KEY", 1)
	path := fmt.Sprintf("licenses/%d/", lic.ID)
	activate := func(user, pw, hw string) string {
		return licenseCode(t, w.licenseAPI("POST", "activate_license", map[string]any{"product": "TEAM", "hardware_id": hw, "username": user, "password": pw}))
	}
	// A new user with a password the vendor chose.
	a := w.post(path+"assign_user/", `{"email": "Ann@Example.com", "password": "Chosen-pass-1", "max_activations": 1}`).json(t)
	if a["message"] != "License assigned." || a["new_password"] != "Chosen-pass-1" {
		t.Fatalf("assign: %v", a)
	}
	if code := activate("ann@example.com", "Chosen-pass-1", "ann-1"); code != "ok" {
		t.Fatalf("the assigned user activates: %s", code)
	}
	if code := activate("ann@example.com", "Chosen-pass-1", "ann-2"); code != "licenseUserActivatedMaxTimes" {
		t.Fatalf("the user's own limit: %s", code)
	}
	// A new user without one gets a generated initial password.
	b := w.post(path+"assign_user/", `{"email": "bob@example.com"}`).json(t)
	pw, _ := b["new_password"].(string)
	if len(pw) != 12 {
		t.Fatalf("generated password: %v", b)
	}
	if code := activate("bob@example.com", pw, "bob-1"); code != "ok" {
		t.Fatalf("the generated password: %s", code)
	}
	// Assigning again updates limits only; the existing user keeps the password.
	if again := w.post(path+"assign_user/", `{"email": "ann@example.com", "max_activations": 2}`); again.status != 200 || again.json(t)["new_password"] != nil {
		t.Fatalf("assign again: %d %s", again.status, again.body)
	}
	if code := activate("ann@example.com", "Chosen-pass-1", "ann-2"); code != "ok" {
		t.Fatalf("after raising the user's limit: %s", code)
	}
	before := w.snapshot()
	for _, tt := range []struct {
		path, body string
		status     int
		code       string
	}{
		{path + "assign_user/", `{"email": "carol@example.com"}`, 400, "max_license_users_reached"},
		{path + "assign_user/", `{}`, 400, "missing_parameters"},
		{path + "assign_user/", `{"email": "x@example.com", "password": "short"}`, 400, "validation_error"},
		{path + "assign_user/", `{"email": "x@example.com", "is_manager": true}`, 400, "unsupported_field"},
		{path + "assign_user/", `{"email": "x@example.com", "role": "x"}`, 400, "validation_error"},
		{fmt.Sprintf("licenses/%d/assign_user/", keyLic), `{"email": "x@example.com"}`, 400, "invalid_product_auth_method"},
		{"licenses/424242/assign_user/", `nope`, 404, "not_found"},
		{path + "unassign_user/", `{"license_user_email": "nobody@example.com"}`, 404, "not_found"},
		{path + "unassign_user/", `{}`, 400, "missing_parameters"},
		{path + "unassign_user/", `{"license_user_id": 1, "license_user_email": "ann@example.com"}`, 400, "validation_error"},
	} {
		t.Run(tt.path+tt.body, func(t *testing.T) { wantError(t, w.post(tt.path, tt.body), tt.status, tt.code) })
	}
	if w.snapshot() != before {
		t.Fatal("refused requests changed the database")
	}
	// Unassigning deactivates the user's devices on the license and frees its user slot.
	wantMessage(t, w.post(path+"unassign_user/", `{"license_user_email": "ANN@example.com"}`), "License unassigned.")
	if code := activate("ann@example.com", "Chosen-pass-1", "ann-1"); code != "license_not_found" {
		t.Fatalf("an unassigned user activates: %s", code)
	}
	l := w.get(path).json(t)
	if l["times_activated"] != float64(1) || len(l["license_users"].([]any)) != 1 {
		t.Fatalf("after unassign: %v", l)
	}
	wantError(t, w.post(path+"unassign_user/", `{"license_user_email": "ann@example.com"}`), 400, "user_not_assigned")
	if a := w.post(path+"assign_user/", `{"email": "carol@example.com"}`); a.status != 200 {
		t.Fatalf("the freed user slot: %d %s", a.status, a.body)
	}
}
