package licenseapi_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/testkit"
)

// offlineFile builds a request file as an application writes it: the flat
// legacy payload signed per §2.4, or (wrapped) the schema_version 2 form.
func (c *catalog) offlineFile(kind, key, hw string, wrapped bool, more map[string]any) string {
	date := time.Now().Add(-48 * time.Hour).UTC().Format(http.TimeFormat) // files travel by hand
	p := map[string]any{"request": kind, "request_id": "2f1c0c8e-0d5c-4c55-9d38-6a1f8b0e8a11", "date": date, "api_key": c.APIKey,
		"license_key": key, "hardware_id": hw, "product": "KEY", "app_ver": "1.0"}
	for k, v := range more {
		p[k] = v
	}
	if !wrapped {
		p["signature"] = licensing.OfflineSignature([]byte(c.SharedKey), date, key, hw, c.APIKey)
		b, _ := json.Marshal(p)
		return base64.StdEncoding.EncodeToString(b)
	}
	p["schema_version"] = 2
	inner, _ := json.Marshal(p)
	// The signature covers the request's bytes exactly as they appear.
	outer := `{"request": ` + string(inner) + `, "signature": "` + hmacB64(c.SharedKey, inner) + `"}`
	return base64.StdEncoding.EncodeToString([]byte(outer))
}

func (c *catalog) postOffline(path, body string) testkit.Response {
	return c.Do(testkit.Request{Method: "POST", Path: "/api/v4/" + path, Body: body, Header: map[string]string{"Content-Type": "text/plain"}})
}

func TestOfflineActivation(t *testing.T) {
	c := newCatalog(t)
	c.keyLicense("OFF-1", 3)
	c.keyLicense("OFF-2", 3)
	c.keyLicense("OFF-SUB", 3, "license_type=subscription", "validity_period=2031-01-01T00:00:00Z")
	c.keyLicense("OFF-NO", 3, "allow_offline_activation=false")

	r := c.postOffline("activate_offline", c.offlineFile("activation", "OFF-1", "hw-off", false, map[string]any{"variables": map[string]any{"seat": 1}}))
	m := c.license(r, "hw-off", "OFF-1") // the v1 license_signature, and the header over the body
	if m["hardware_id"] != "hw-off" || m["license_key"] != "OFF-1" || m["request"] != "activation" {
		t.Fatalf("activate_offline: %v", m)
	}
	want := licensing.OfflineSignature([]byte(c.SharedKey), m["date"].(string), "OFF-1", "hw-off", c.APIKey)
	if m["offline_signature"] != want {
		t.Fatalf("offline_signature = %v, want %s", m["offline_signature"], want)
	}
	if _, err := time.Parse(http.TimeFormat, m["date"].(string)); err != nil {
		t.Fatalf("date %v: %v", m["date"], err)
	}
	// license_signature_v2: the answer without offline_signature and
	// license_signature_v2 (the last two fields), as JSON.stringify prints it.
	cut := strings.Index(string(r.Body), `,"offline_signature":`)
	if cut < 0 || !verify(t, c.App.Signer.PublicKeyPEM(), []byte(string(r.Body[:cut])+"}"), m["license_signature_v2"].(string)) {
		t.Fatalf("license_signature_v2 does not verify over %s", r.Body)
	}
	// The device is active online as well.
	c.license(c.checkOn("OFF-1", "hw-off"), "hw-off", "OFF-1")

	c.license(c.postOffline("activate_offline", c.offlineFile("activation", "OFF-2", "hw-v2", true, nil)), "hw-v2", "OFF-2")

	// A multipart upload of the file, as the vendor portal sends it.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "request.req")
	fw.Write([]byte(c.offlineFile("activation", "OFF-2", "hw-form", false, nil)))
	mw.Close()
	c.license(c.Do(testkit.Request{Method: "POST", Path: "/api/v4/activate_offline", Body: buf.String(), Header: map[string]string{"Content-Type": mw.FormDataContentType()}}), "hw-form", "OFF-2")

	flat := func(mod func(p map[string]any)) string {
		p := map[string]any{}
		b, _ := base64.StdEncoding.DecodeString(c.offlineFile("activation", "OFF-2", "hw-x", false, nil))
		json.Unmarshal(b, &p)
		mod(p)
		b, _ = json.Marshal(p)
		return base64.StdEncoding.EncodeToString(b)
	}
	badV2, _ := base64.StdEncoding.DecodeString(c.offlineFile("activation", "OFF-2", "hw-x", true, nil))
	badV2 = bytes.Replace(badV2, []byte(`"hw-x"`), []byte(`"hw-y"`), 1)
	for _, tt := range []struct {
		name, body, code string
	}{
		{"empty", "  ", "missing_content"},
		{"not base64", "%%%", "invalid_json"},
		{"not JSON", base64.StdEncoding.EncodeToString([]byte("hello")), "invalid_json"},
		{"wrong signature", flat(func(p map[string]any) { p["hardware_id"] = "hw-other" }), "offline_signature_mismatch"},
		{"no signature", flat(func(p map[string]any) { delete(p, "signature") }), "offline_signature_mismatch"},
		{"wrapped, tampered", base64.StdEncoding.EncodeToString(badV2), "offline_signature_mismatch"},
		{"unknown API key", flat(func(p map[string]any) { p["api_key"] = "00000000-0000-4000-8000-000000000000" }), "invalid_api_key"},
		{"unknown OAuth client", flat(func(p map[string]any) { delete(p, "api_key"); p["client_id"] = "x" }), "invalid_api_key"},
		{"a deactivation request", c.offlineFile("deactivation", "OFF-2", "hw-x", false, nil), "validation_error"},
		{"subscription license", c.offlineFile("activation", "OFF-SUB", "hw-x", false, nil), "wrong_license_type"},
		{"offline not allowed", c.offlineFile("activation", "OFF-NO", "hw-x", false, nil), "wrong_license_type"},
		{"unknown license", c.offlineFile("activation", "NOPE-1", "hw-x", false, nil), "license_not_found"},
		{"overlong telemetry", c.offlineFile("activation", "OFF-2", "hw-x", false, map[string]any{"app_ver": strings.Repeat("1", 257)}), "validation_error"},
		{"too many variables", c.offlineFile("activation", "OFF-2", "hw-x", false, map[string]any{"variables": manyVars(65)}), "validation_error"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, c.postOffline("activate_offline", tt.body), 400, tt.code) })
	}
}

func TestOfflineDeactivation(t *testing.T) {
	c := newCatalog(t)
	c.consumption("OFF-C", "max_consumptions=100") // activated on hw
	r := c.postOffline("deactivate_offline", c.offlineFile("deactivation", "OFF-C", "hw", true,
		map[string]any{"consumptions": 7, "product_features": []map[string]any{{"code": "credits", "consumptions": 2}}}))
	if r.Status != 200 || string(r.Body) != `"license_deactivated"` {
		t.Fatalf("deactivate_offline: %d %s", r.Status, r.Body)
	}
	wantError(t, c.checkOn("OFF-C", "hw"), 400, "license_not_active")
	c.license(c.activateOn("OFF-C", "hw"), "hw", "OFF-C")
	if got := c.total("OFF-C"); got != 7 {
		t.Fatalf("synced consumption: total %d, want 7", got)
	}
	var f map[string]any
	c.ok(c.get("check_license_feature", map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": "OFF-C", "feature": "credits"}), &f)
	if num(f, "total_consumptions") != 2 {
		t.Fatalf("synced feature consumption: %v", f["total_consumptions"])
	}
	wantError(t, c.postOffline("deactivate_offline", c.offlineFile("deactivation", "OFF-C", "hw-none", false, nil)), 400, "device_not_found")
}

// oauthOfflineFile is a request file made under OAuth (license-api.md
// §2.2 item 4): client_id in place of api_key, the client secret in place
// of the shared key. v2Key is the key of the §2.5 HMAC ("": a flat file);
// inner says whether the §2.4 signature is included.
func oauthOfflineFile(kind, clientID, secret, key, hw, v2Key string, inner bool) string {
	date := time.Now().Add(-24 * time.Hour).UTC().Format(http.TimeFormat)
	p := map[string]any{"request": kind, "request_id": "5d0c2a0e-1b2c-4d3e-8f40-5a6b7c8d9e0f", "date": date, "client_id": clientID,
		"license_key": key, "hardware_id": hw, "product": "KEY"}
	if inner {
		p["signature"] = licensing.OfflineSignature([]byte(secret), date, key, hw, clientID)
	}
	b, _ := json.Marshal(p)
	if v2Key == "" {
		return base64.StdEncoding.EncodeToString(b)
	}
	p["schema_version"] = 2
	b, _ = json.Marshal(p)
	return base64.StdEncoding.EncodeToString([]byte(`{"request":` + string(b) + `,"signature":"` + hmacB64(v2Key, b) + `"}`))
}

func TestOfflineUnderOAuth(t *testing.T) {
	c := newCatalog(t)
	lic := c.keyLicense("OFF-O", 5)
	c.keyLicense("OFF-ELSE", 5)
	oc := c.oauthClient(licensing.OAuthClientSpec{LicenseID: lic})
	ok := func(body, hw string) map[string]any {
		t.Helper()
		m := c.license(c.postOffline("activate_offline", body), hw, "OFF-O")
		// The answer's offline_signature is made with the client secret
		// and ends in the client_id, as the client recomputes it.
		if want := licensing.OfflineSignature([]byte(oc.ClientSecret), m["date"].(string), "OFF-O", hw, oc.ClientID); m["offline_signature"] != want {
			t.Fatalf("offline_signature = %v, want %s", m["offline_signature"], want)
		}
		return m
	}
	ok(oauthOfflineFile("activation", oc.ClientID, oc.ClientSecret, "OFF-O", "hw-flat", "", true), "hw-flat")
	ok(oauthOfflineFile("activation", oc.ClientID, oc.ClientSecret, "OFF-O", "hw-node", oc.ClientSecret, false), "hw-node")
	// Python's SDK keys the §2.5 HMAC with the client_id: accepted with the
	// inner signature, refused without it (the client_id proves nothing).
	ok(oauthOfflineFile("activation", oc.ClientID, oc.ClientSecret, "OFF-O", "hw-py", oc.ClientID, true), "hw-py")
	wantError(t, c.postOffline("activate_offline", oauthOfflineFile("activation", oc.ClientID, oc.ClientSecret, "OFF-O", "hw-x", oc.ClientID, false)),
		400, "offline_signature_mismatch")
	wantError(t, c.postOffline("activate_offline", oauthOfflineFile("activation", oc.ClientID, "a guessed secret", "OFF-O", "hw-x", "", true)),
		400, "offline_signature_mismatch")
	// The client is scoped to OFF-O: its files reach nothing else.
	wantError(t, c.postOffline("activate_offline", oauthOfflineFile("activation", oc.ClientID, oc.ClientSecret, "OFF-ELSE", "hw-x", "", true)),
		400, "license_not_found")

	// A rotated secret keeps signing during its grace; the new one signs at once.
	fresh, err := c.App.Service.RotateOAuthSecret(context.Background(), c.CompanyID, oc.ClientID, time.Hour)
	must(t, err)
	ok(oauthOfflineFile("activation", oc.ClientID, oc.ClientSecret, "OFF-O", "hw-old", "", true), "hw-old")
	m := c.license(c.postOffline("activate_offline", oauthOfflineFile("activation", oc.ClientID, fresh, "OFF-O", "hw-new", fresh, false)), "hw-new", "OFF-O")
	if want := licensing.OfflineSignature([]byte(fresh), m["date"].(string), "OFF-O", "hw-new", oc.ClientID); m["offline_signature"] != want {
		t.Fatal("the answer to a file signed with the new secret is not signed with it")
	}
	r := c.postOffline("deactivate_offline", oauthOfflineFile("deactivation", oc.ClientID, fresh, "OFF-O", "hw-new", fresh, true))
	if r.Status != 200 || string(r.Body) != `"license_deactivated"` {
		t.Fatalf("deactivate_offline under OAuth: %d %s", r.Status, r.Body)
	}
	must(t, c.App.Service.RevokeOAuthClient(context.Background(), c.CompanyID, oc.ClientID))
	wantError(t, c.postOffline("activate_offline", oauthOfflineFile("activation", oc.ClientID, fresh, "OFF-O", "hw-z", fresh, false)), 400, "invalid_api_key")

	// A client made before secrets were kept sealed (schema version 12)
	// cannot sign offline files until it is rotated.
	old := c.oauthClient(licensing.OAuthClientSpec{})
	if _, err := c.DB(t).Exec(`UPDATE oauth_clients SET secret_sealed = NULL WHERE client_id = $1`, old.ClientID); err != nil {
		t.Fatal(err)
	}
	r = c.postOffline("activate_offline", oauthOfflineFile("activation", old.ClientID, old.ClientSecret, "OFF-O", "hw-z", old.ClientSecret, false))
	if m := wantError(t, r, 400, "offline_signature_mismatch"); !strings.Contains(m["message"].(string), "rotate") {
		t.Fatalf("the refusal does not say to rotate: %v", m)
	}
}

func hmacB64(key string, data []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(data)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func manyVars(n int) map[string]any {
	m := map[string]any{}
	for i := range n {
		m["v"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+string(rune('a'+i/26))] = i
	}
	return m
}

// A bundle goes offline one product at a time, as activate_license does
// with bundle_code: the file names a product of the bundle and the bundle
// license's key.
func TestOfflineBundleProduct(t *testing.T) {
	c := newCatalog(t)
	ctx, svc := context.Background(), c.App.Service
	_, err := svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "KEY2", Name: "Key 2", AuthorizationMethod: "license-key"})
	must(t, err)
	_, err = svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "SUITE", Name: "Suite", AuthorizationMethod: "license-key", Bundle: true, Includes: []string{"KEY", "KEY2"}})
	must(t, err)
	two := int64(2)
	_, err = svc.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "SUITE", Key: "SUITE-KEY", MaxActivations: &two})
	must(t, err)
	m := c.license(c.postOffline("activate_offline", c.offlineFile("activation", "SUITE-KEY", "hw-b", true, map[string]any{"bundle_code": "SUITE"})), "hw-b", "SUITE-KEY")
	if m["product_details"].(map[string]any)["short_code"] != "KEY" || m["license_key"] != "SUITE-KEY" {
		t.Fatalf("offline activation of a bundle's product: %v", m)
	}
	c.license(c.get("check_license", map[string]string{"product": "KEY", "bundle_code": "SUITE", "hardware_id": "hw-b", "license_key": "SUITE-KEY"}), "hw-b", "SUITE-KEY")
	wantError(t, c.get("check_license", map[string]string{"product": "KEY2", "bundle_code": "SUITE", "hardware_id": "hw-b", "license_key": "SUITE-KEY"}), 400, "license_not_active")
	wantError(t, c.postOffline("activate_offline", c.offlineFile("activation", "SUITE-KEY", "hw-b", true, map[string]any{"bundle_code": "KEY2"})), 400, "validation_error")
	r := c.postOffline("deactivate_offline", c.offlineFile("deactivation", "SUITE-KEY", "hw-b", true, map[string]any{"bundle_code": "SUITE"}))
	if r.Status != 200 {
		t.Fatalf("deactivate_offline of a bundle's product: %d %s", r.Status, r.Body)
	}
	wantError(t, c.get("check_license", map[string]string{"product": "KEY", "bundle_code": "SUITE", "hardware_id": "hw-b", "license_key": "SUITE-KEY"}), 400, "license_not_active")
}
