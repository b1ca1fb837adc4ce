package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"testing"
)

// provisionCatalog sets up, with the CLI as a vendor would, what the SDK
// tests license: a key-based product with features, a custom field and
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

func TestNodeSDKLicenseAPI(t *testing.T) {
	in := start(t)
	key, email, initial := provisionCatalog(in)
	hw := map[string]any{"hardwareID": "node-hw-1"}
	keyID := map[string]any{"license_key": key, "hardware_id": "node-hw-1", "product": "DESKTOP"}
	userID := map[string]any{"username": email, "hardware_id": "node-hw-1", "product": "CLOUD"}
	suite := map[string]any{"license_key": "SUITE-KEY-0001", "hardware_id": "node-hw-1", "product": "SUITE"}
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
	res := in.sdk(hw,
		call("api.activateLicense", with(keyID, "app_ver", "3.0", "variables", map[string]any{"seat": "front desk"})),
		call("api.checkLicense", keyID),
		call("api.checkLicense", keyID, true),
		call("api.checkLicenseFeature", with(keyID, "feature", "credits")),
		call("api.checkLicenseFeature", with(keyID, "feature", "nope")),
		call("api.getProductDetails", map[string]any{"product": "DESKTOP", "include_latest_version": true, "include_custom_fields": true}),
		call("api.getTrialKey", map[string]any{"product": "DESKTOP", "hardware_id": "trial-hw"}),
		call("api.getTrialKey", map[string]any{"product": "DESKTOP", "hardware_id": "trial-hw"}),
		call("api.activateLicense", with(userID, "password", initial)),
		call("api.checkLicense", userID),
		call("api.getUserLicenses", map[string]any{"username": email, "password": initial, "product": "CLOUD"}),
		call("api.getCustomerLicenseUsers", map[string]any{"product": "CLOUD", "customer": "buyer@example.com"}),
		call("api.activateBundle", suite),
		call("api.checkBundle", suite),
		call("api.deactivateBundle", suite),
		call("api.deactivateLicense", keyID),
		call("api.deactivateLicense", userID),
		// Errors carry licensor's codes.
		call("api.activateLicense", with(keyID, "license_key", "NOT-A-KEY")),
		call("api.checkLicense", keyID),
		call("api.checkLicenseFeature", with(keyID, "feature", "credits")),
		call("api.activateLicense", with(userID, "password", "wrong password")),
		call("api.getTrialKey", map[string]any{"product": "CLOUD", "hardware_id": "x"}),
	)
	var act map[string]any
	decode(t, res[0], &act)
	if act["license_key"] != key || act["is_expired"] != false || act["validity_period"] != "2031-03-04T00:00:00.000Z" ||
		len(act["product_features"].([]any)) != 2 || act["variables"].([]any)[0].(map[string]any)["value"] != "front desk" {
		t.Fatalf("activateLicense = %v", act)
	}
	var chk map[string]any
	decode(t, res[1], &chk)
	if chk["license_active"] != true || chk["license_enabled"] != true || chk["custom_fields"].([]any)[0].(map[string]any)["value"] != "studio" {
		t.Fatalf("checkLicense = %v", chk)
	}
	decode(t, res[2], &chk)
	var feat map[string]any
	decode(t, res[3], &feat)
	wantCode(t, res[4], 400, "unsupported_product_feature")
	if feat["code"] != "credits" || feat["max_consumption"] != float64(50) {
		t.Fatalf("checkLicenseFeature = %v", feat)
	}
	var pd map[string]any
	decode(t, res[5], &pd)
	if pd["short_code"] != "DESKTOP" || pd["latest_version"].(map[string]any)["version"] != "2.1.0" || len(pd["custom_fields"].([]any)) != 1 {
		t.Fatalf("getProductDetails = %v", pd)
	}
	var trial, again map[string]any
	decode(t, res[6], &trial)
	decode(t, res[7], &again)
	if trial["is_trial"] != true || trial["license_key"] == nil || again["license"] != trial["license_key"] {
		t.Fatalf("getTrialKey = %v then %v", trial, again)
	}
	var ua map[string]any
	decode(t, res[8], &ua)
	if ua["user"].(map[string]any)["email"] != email || ua["license_key"] != nil {
		t.Fatalf("user activateLicense = %v", ua)
	}
	decode(t, res[9], &chk)
	var uls []map[string]any
	decode(t, res[10], &uls)
	if len(uls) != 1 || uls[0]["user"].(map[string]any)["email"] != email {
		t.Fatalf("getUserLicenses = %v", uls)
	}
	var clu map[string]any
	decode(t, res[11], &clu)
	if users := clu["users"].([]any); len(users) != 1 || users[0].(map[string]any)["initial_password"] != initial {
		t.Fatalf("getCustomerLicenseUsers = %v", clu)
	}
	var bundle []map[string]any
	decode(t, res[12], &bundle)
	if len(bundle) != 2 {
		t.Fatalf("activateBundle = %v", bundle)
	}
	decode(t, res[13], &bundle)
	for i := 14; i <= 16; i++ {
		wantOK(t, res[i], "true")
	}
	wantCode(t, res[17], 400, "license_not_found")
	wantCode(t, res[18], 400, "license_not_active")
	wantCode(t, res[19], 400, "license_not_active")
	wantCode(t, res[20], 400, "user_not_found")
	wantCode(t, res[21], 400, "trial_not_allowed")
}

func TestNodeSDKLicenseManager(t *testing.T) {
	in := start(t)
	key, email, initial := provisionCatalog(in)
	files := t.TempDir()
	hw := map[string]any{"hardwareID": "manager-hw"}
	manager := func(product string) map[string]any {
		return map[string]any{"productCode": product, "filePath": files + "/" + product, "filename": "license", "fileKey": "e2e file key"}
	}
	res := in.sdkWithManager(hw, manager("DESKTOP"),
		call("manager.activateLicense", map[string]any{"license_key": key}),
		call("license.info"),
		call("license.check"),
		call("license.localCheck"),
	)
	var act map[string]any
	decode(t, res[0], &act)
	var info map[string]any
	decode(t, res[1], &info)
	if info["licenseKey"] != key || info["licenseActive"] != true || info["licenseEnabled"] != true {
		t.Fatalf("license after activation = %v", info)
	}
	decode(t, res[2], &act)
	wantOK(t, res[3], "true")

	// A new process loads the stored license and deactivates it.
	res = in.sdkWithManager(hw, manager("DESKTOP"),
		call("license.check"),
		call("license.deactivate"),
		call("license.info"),
		call("manager.checkLicense", map[string]any{"license_key": key}),
	)
	decode(t, res[0], &act)
	wantOK(t, res[1], "null")
	decode(t, res[2], &info)
	if info["licenseActive"] != false {
		t.Fatalf("license after deactivate = %v", info)
	}
	wantCode(t, res[3], 400, "license_not_active")

	// User-based, with a password change through the license.
	res = in.sdkWithManager(hw, manager("CLOUD"),
		call("manager.activateLicense", map[string]any{"username": email, "password": initial}),
		call("license.changePassword", initial, "my own password"),
		call("license.check"),
		call("license.localCheck"),
		call("license.deactivate"),
		call("manager.activateLicense", map[string]any{"username": email, "password": initial}),
		call("manager.activateLicense", map[string]any{"username": email, "password": "my own password"}),
	)
	decode(t, res[0], &act)
	wantOK(t, res[1], "true")
	decode(t, res[2], &act)
	wantOK(t, res[3], "true")
	wantOK(t, res[4], "null")
	wantCode(t, res[5], 400, "user_not_found")
	decode(t, res[6], &act)
}

// A response altered between licensor and the SDK is rejected by the SDK's
// signature checks: v2 for any byte of the body, v1 for the license's
// validity.
func TestNodeSDKRejectsAlteredResponses(t *testing.T) {
	in := start(t)
	key, _, _ := provisionCatalog(in)
	target, _ := url.Parse(in.url)
	tamper := func(from, to string) *httptest.Server {
		p := httputil.NewSingleHostReverseProxy(target)
		p.ModifyResponse = func(r *http.Response) error {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return err
			}
			b = bytes.Replace(b, []byte(from), []byte(to), 1)
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
			r.Header.Set("Content-Length", strconv.Itoa(len(b)))
			return nil
		}
		s := httptest.NewServer(p)
		t.Cleanup(s.Close)
		return s
	}
	id := map[string]any{"license_key": key, "hardware_id": "tamper-hw", "product": "DESKTOP"}
	// More activations than bought: covered by v2 only.
	more := tamper(`"max_activations":2`, `"max_activations":9`)
	// A later expiry: covered by v1 (and v2).
	later := tamper(`"validity_period":"2031-03-04T00:00:00.000Z"`, `"validity_period":"2099-03-04T00:00:00.000Z"`)
	direct := in.sdk(nil, call("api.activateLicense", id))
	var act map[string]any
	decode(t, direct[0], &act)

	res := in.sdk(map[string]any{"apiPath": more.URL + "/api/v4"}, call("api.checkLicense", id), call("api.getProductDetails", map[string]any{"product": "DESKTOP"}))
	wantCode(t, res[0], 400, "signature_v2_mismatch")
	decode(t, res[1], &act) // untouched responses still pass through the proxy
	res = in.sdk(map[string]any{"apiPath": later.URL + "/api/v4"}, call("api.checkLicense", id))
	wantCode(t, res[0], 401, "license_signature_invalid")
	// And a server signing with another key is not believed at all.
	other := start(t)
	res = in.sdk(map[string]any{"publicKey": other.publicKey}, call("api.checkLicense", id))
	wantCode(t, res[0], 401, "license_signature_invalid")
}

// decode asserts a successful SDK step and decodes its result.
func decode(t *testing.T, r sdkResult, into any) {
	t.Helper()
	if !r.OK {
		t.Fatalf("SDK call failed: %+v", r.Error)
	}
	if err := json.Unmarshal(r.Result, into); err != nil {
		t.Fatalf("decode %s: %v", r.Result, err)
	}
}
