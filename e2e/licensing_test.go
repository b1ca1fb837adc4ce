package e2e

import (
	"net/http"
	"strconv"
	"testing"
)

// provisionCatalog sets up, with the CLI as a vendor would, what the
// end-to-end tests license: a key-based product with features, a custom field and
// trials; a user-based product with a license user; a bundle.
func provisionCatalog(in *instance) (keyLicense string, userEmail, userPassword string) {
	t := in.t
	t.Helper()
	in.cliJSON(&struct{}{}, "company", "set", "allow_change_password=true", "--json")
	in.cliJSON(&struct{}{}, "product", "create", "--code", "DESKTOP", "--name", "Desktop", "allow_trial=true", "trial_days=14",
		`metadata={"tier":"pro","2":"two"}`, "--json")
	in.cliJSON(&struct{}{}, "feature", "create", "--product", "DESKTOP", "--code", "export", "--name", "Export", "--json")
	in.cliJSON(&struct{}{}, "feature", "create", "--product", "DESKTOP", "--code", "credits", "--type", "consumption", "--max-consumption", "50", "--json")
	in.cliJSON(&struct{}{}, "custom-field", "create", "--product", "DESKTOP", "--name", "edition", "--default", "studio", "--json")
	in.cliJSON(&struct{}{}, "version", "add", "--product", "DESKTOP", "--version", "2.1.0", "--env", "linux", "--json")
	var lic struct {
		Key string `json:"license_key"`
	}
	in.cliJSON(&lic, "license", "create", "--product", "DESKTOP", "--max-activations", "2", "--customer", "buyer@example.com",
		"--validity", "2031-03-04T00:00:00Z", "--type", "subscription", "--json")

	in.cliJSON(&struct{}{}, "product", "create", "--code", "CLOUD", "--name", "Cloud", "--auth", "user", "--json")
	var ul struct{ ID int64 }
	in.cliJSON(&ul, "license", "create", "--product", "CLOUD", "--customer", "buyer@example.com", "--max-activations", "3", "--json")
	var u struct {
		Email           string `json:"email"`
		InitialPassword string `json:"initial_password"`
	}
	in.cliJSON(&u, "user", "create", "--license", strconv.FormatInt(ul.ID, 10), "--email", "seat@example.com", "--json")

	in.cliJSON(&struct{}{}, "product", "create", "--code", "EDITOR", "--name", "Editor", "--json")
	in.cliJSON(&struct{}{}, "product", "create", "--code", "VIEWER", "--name", "Viewer", "--json")
	in.cliJSON(&struct{}{}, "product", "create", "--code", "SUITE", "--name", "Suite", "--bundle", "--includes", "EDITOR,VIEWER", "--json")
	in.cliJSON(&struct{}{}, "license", "create", "--product", "SUITE", "--key", "SUITE-KEY-0001", "--json")
	return lic.Key, u.Email, u.InitialPassword
}

func TestLicenseAPIThroughTheBinary(t *testing.T) {
	in := start(t)
	key, email, initial := provisionCatalog(in)
	keyID := map[string]any{"license_key": key, "hardware_id": "e2e-hw-1", "product": "DESKTOP"}
	userID := map[string]any{"username": email, "hardware_id": "e2e-hw-1", "product": "CLOUD"}
	suite := map[string]any{"license_key": "SUITE-KEY-0001", "hardware_id": "e2e-hw-1", "product": "SUITE"}
	with := func(m map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	get := func(path string, p map[string]any) result { return in.api(http.MethodGet, path, p) }
	post := func(path string, p map[string]any) result { return in.api(http.MethodPost, path, p) }

	var act map[string]any
	wantOK(t, post("activate_license", with(keyID, "app_ver", "3.0", "variables", map[string]any{"seat": "front desk"})), &act)
	if act["license_key"] != key || act["is_expired"] != false || act["validity_period"] != "2031-03-04T00:00:00.000Z" ||
		len(act["product_features"].([]any)) != 2 || act["variables"].([]any)[0].(map[string]any)["value"] != "front desk" {
		t.Fatalf("activate_license = %v", act)
	}
	// Activating the same device again takes no second slot.
	wantOK(t, post("activate_license", keyID), &act)
	if act["times_activated"] != float64(1) {
		t.Fatalf("re-activation = %v", act)
	}
	var chk map[string]any
	wantOK(t, get("check_license", keyID), &chk)
	if chk["license_active"] != true || chk["license_enabled"] != true || chk["custom_fields"].([]any)[0].(map[string]any)["value"] != "studio" {
		t.Fatalf("check_license = %v", chk)
	}
	wantOK(t, get("check_license", with(keyID, "include_expired_features", true)), &chk)
	var feat map[string]any
	wantOK(t, get("check_license_feature", with(keyID, "feature", "credits")), &feat)
	if feat["code"] != "credits" || feat["max_consumption"] != float64(50) {
		t.Fatalf("check_license_feature = %v", feat)
	}
	wantCode(t, get("check_license_feature", with(keyID, "feature", "nope")), 400, "unsupported_product_feature")
	var pd map[string]any
	wantOK(t, get("product_details", map[string]any{"product": "DESKTOP", "include_latest_version": true, "include_custom_fields": true}), &pd)
	if pd["short_code"] != "DESKTOP" || pd["latest_version"].(map[string]any)["version"] != "2.1.0" || len(pd["custom_fields"].([]any)) != 1 {
		t.Fatalf("product_details = %v", pd)
	}
	var trial, again map[string]any
	wantOK(t, get("trial_key", map[string]any{"product": "DESKTOP", "hardware_id": "trial-hw"}), &trial)
	wantOK(t, get("trial_key", map[string]any{"product": "DESKTOP", "hardware_id": "trial-hw"}), &again)
	if trial["is_trial"] != true || trial["license_key"] == nil || again["license"] != trial["license_key"] {
		t.Fatalf("trial_key = %v then %v", trial, again)
	}
	var ua map[string]any
	wantOK(t, post("activate_license", with(userID, "password", initial)), &ua)
	if ua["user"].(map[string]any)["email"] != email || ua["license_key"] != nil {
		t.Fatalf("user activate_license = %v", ua)
	}
	wantOK(t, get("check_license", userID), &chk)
	// The username may carry a customer account code after "|".
	wantOK(t, get("check_license", with(userID, "username", email+"|ACME")), &chk)
	var uls []map[string]any
	wantOK(t, get("user_licenses", map[string]any{"username": email, "password": initial, "product": "CLOUD"}), &uls)
	if len(uls) != 1 || uls[0]["user"].(map[string]any)["email"] != email {
		t.Fatalf("user_licenses = %v", uls)
	}
	var clu map[string]any
	wantOK(t, get("customer_license_users", map[string]any{"product": "CLOUD", "customer": "buyer@example.com"}), &clu)
	if users := clu["users"].([]any); len(users) != 1 || users[0].(map[string]any)["email"] != email {
		t.Fatalf("customer_license_users = %v", clu)
	}
	var dl []map[string]any
	wantOK(t, get("device_licenses", map[string]any{"hardware_id": "e2e-hw-1"}), &dl)
	if len(dl) != 2 {
		t.Fatalf("device_licenses = %v", dl)
	}
	var bundle []map[string]any
	wantOK(t, post("activate_bundle", suite), &bundle)
	if len(bundle) != 2 {
		t.Fatalf("activate_bundle = %v", bundle)
	}
	wantOK(t, get("check_bundle", suite), &bundle)
	var done string
	for _, r := range []result{post("deactivate_bundle", suite), post("deactivate_license", keyID), post("deactivate_license", userID)} {
		wantOK(t, r, &done)
		if done != "license_deactivated" {
			t.Fatalf("deactivation answered %q", done)
		}
	}
	// Errors carry licensor's codes.
	wantCode(t, post("activate_license", with(keyID, "license_key", "NOT-A-KEY")), 400, "license_not_found")
	wantCode(t, get("check_license", keyID), 400, "license_not_active") // no device holds it now
	wantCode(t, post("activate_license", with(userID, "password", "wrong password")), 400, "user_not_found")
	wantCode(t, get("trial_key", map[string]any{"product": "CLOUD", "hardware_id": "x"}), 400, "trial_not_allowed")

	// The limit holds: two devices, then the third is refused.
	wantOK(t, post("activate_license", with(keyID, "hardware_id", "e2e-hw-2")), nil)
	wantOK(t, post("activate_license", with(keyID, "hardware_id", "e2e-hw-3")), nil)
	wantCode(t, post("activate_license", with(keyID, "hardware_id", "e2e-hw-4")), 400, "license_activated_max_times")
}
