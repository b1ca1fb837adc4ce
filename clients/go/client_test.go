package licensor

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsIncompleteConfig(t *testing.T) {
	_, _, pemA, _ := keys(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	good := Config{BaseURL: "https://l.example.com", APIKey: "a", SharedKey: "s", PublicKeyPEM: pemA}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*Config){
		"no base URL":       func(c *Config) { c.BaseURL = "" },
		"not http":          func(c *Config) { c.BaseURL = "ftp://x" },
		"no host":           func(c *Config) { c.BaseURL = "https://" },
		"no API key":        func(c *Config) { c.APIKey = "" },
		"no shared key":     func(c *Config) { c.SharedKey = "" },
		"no public key":     func(c *Config) { c.PublicKeyPEM = "" },
		"not PEM":           func(c *Config) { c.PublicKeyPEM = "MIIBIjANBg" },
		"PKCS#1 block type": func(c *Config) { c.PublicKeyPEM = strings.ReplaceAll(pemA, "PUBLIC KEY", "RSA PUBLIC KEY") },
		"not RSA":           func(c *Config) { c.PublicKeyPEM = ecPEM },
	} {
		cfg := good
		edit(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestBaseURLForms(t *testing.T) {
	f := newFakeServer(t)
	for _, base := range []string{f.URL, f.URL + "/", f.URL + "/api/v4", f.URL + "/api/v4/"} {
		c, _ := newClient(t, base)
		if _, err := c.CheckLicense(context.Background(), keyID, CheckOptions{}); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
	}
	for _, r := range f.seen() {
		if r.Path != "/api/v4/check_license" {
			t.Errorf("path %s", r.Path)
		}
	}
	c, _ := newClient(t, f.URL+"/licensing/")
	_, _ = c.CheckLicense(context.Background(), keyID, CheckOptions{})
	if got := f.seen(); got[len(got)-1].Path != "/licensing/api/v4/check_license" {
		t.Errorf("with a path prefix: %s", got[len(got)-1].Path)
	}
}

func TestRequestHeaders(t *testing.T) {
	f := newFakeServer(t)
	at := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	c, _ := newClient(t, f.URL, func(c *Config) { c.Now = func() time.Time { return at } })
	if _, err := c.ActivateLicense(context.Background(), keyID); err != nil {
		t.Fatal(err)
	}
	h := f.seen()[0].Header
	date := "Thu, 03 Dec 2026 17:00:00 GMT"
	want := map[string]string{
		"Date":          date,
		"Authorization": `algorithm="hmac-sha256",headers="date",signature="` + signature("shared-key", date) + `",apikey="api-key"`,
		"Accept":        "application/json",
		"Content-Type":  "application/json",
		"User-Agent":    "licensor-go/" + Version + " (TestApp/1.2.3)",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, h.Get(k), v)
		}
	}
	c2, _ := newClient(t, f.URL, func(c *Config) { c.AppName, c.AppVersion = "", "" })
	_, _ = c2.CheckLicense(context.Background(), keyID, CheckOptions{})
	if r := f.seen()[1]; r.Header.Get("User-Agent") != "licensor-go/"+Version || r.Header.Get("Content-Type") != "" {
		t.Errorf("GET headers %v", r.Header)
	}
}

func TestRequestParameters(t *testing.T) {
	f := newFakeServer(t)
	c, _ := newClient(t, f.URL)
	ctx := context.Background()
	id := Identity{Product: "DESKTOP", HardwareID: "hw-1", Username: "ann@example.com|ACME", Password: "pw",
		LicenseID: 42, BundleCode: "B", Variables: map[string]string{"seat": "front"}}
	if _, err := c.ActivateLicense(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CheckLicense(ctx, id, CheckOptions{IncludeExpiredFeatures: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeactivateLicense(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CheckLicense(ctx, keyID, CheckOptions{}); err != nil {
		t.Fatal(err)
	}
	r := f.seen()
	act, chk, deact, plain := r[0].Params, r[1].Params, r[2].Params, r[3]
	if act["password"] != "pw" || act["username"] != id.Username || act["license_id"] != float64(42) ||
		act["bundle_code"] != "B" || act["variables"].(map[string]any)["seat"] != "front" ||
		act["app_name"] != "TestApp" || act["app_ver"] != "1.2.3" || act["sdk_ver"] != "licensor-go "+Version ||
		act["os_ver"] == nil || act["license_key"] != nil {
		t.Errorf("activate sent %v", act)
	}
	if chk["password"] != nil || chk["variables"] != nil || chk["include_expired_features"] != "true" ||
		chk["license_id"] != "42" || chk["app_ver"] != "1.2.3" || r[1].Method != http.MethodGet {
		t.Errorf("check sent %v", chk)
	}
	if deact["password"] != nil || deact["variables"] == nil || deact["sdk_ver"] != nil {
		t.Errorf("deactivate sent %v", deact)
	}
	for _, absent := range []string{"include_expired_features", "license_id", "bundle_code", "username", "password"} {
		if strings.Contains(plain.RawQuery, absent+"=") {
			t.Errorf("check sent %s: %s", absent, plain.RawQuery)
		}
	}
}

func TestIdentityNeedsKeyOrUsername(t *testing.T) {
	f := newFakeServer(t)
	c, _ := newClient(t, f.URL)
	both := keyID
	both.Username = "ann@example.com"
	for _, id := range []Identity{both, {Product: "P", HardwareID: "h"}} {
		if _, err := c.ActivateLicense(context.Background(), id); !errors.Is(err, ErrInvalidIdentity) {
			t.Errorf("%+v: %v", id, err)
		}
	}
	if len(f.seen()) != 0 {
		t.Error("a request was sent")
	}
}

func TestPlainStringAnswers(t *testing.T) {
	f := newFakeServer(t)
	c, _ := newClient(t, f.URL)
	ctx := context.Background()
	if err := c.DeactivateBundle(ctx, keyID); err != nil {
		t.Fatal(err)
	}
	if err := c.ChangePassword(ctx, "u", "old", "new"); err != nil {
		t.Fatal(err)
	}
	f.setHandle(func(w http.ResponseWriter, r *request) bool { f.reply(w, "ok"); return true })
	for name, call := range map[string]func() error{
		"deactivate":      func() error { return c.DeactivateLicense(ctx, keyID) },
		"change_password": func() error { return c.ChangePassword(ctx, "u", "old", "new") },
	} {
		var e *APIError
		if err := call(); !errors.As(err, &e) || e.Code != CodeUnexpectedResponse || e.Status != 200 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestAnswerMustBeSigned(t *testing.T) {
	f := newFakeServer(t)
	c, _ := newClient(t, f.URL)
	ctx := context.Background()
	_, other, _, _ := keys(t)
	cases := map[string]func(w http.ResponseWriter, r *request){
		"no header": func(w http.ResponseWriter, r *request) { _, _ = w.Write([]byte(`"license_deactivated"`)) },
		"another key": func(w http.ResponseWriter, r *request) {
			w.Header().Set("LicenseSignature", sign(t, other, []byte(`"license_deactivated"`)))
			_, _ = w.Write([]byte(`"license_deactivated"`))
		},
		"v1 over another device": func(w http.ResponseWriter, r *request) {
			r.Params["hardware_id"] = "someone-else"
			f.reply(w, f.signedLicense(r.Params))
		},
		"v1 by another key": func(w http.ResponseWriter, r *request) {
			l := f.signedLicense(r.Params)
			l["license_signature"] = sign(t, other, v1Message("hw-1", "ABCD-EFGH", "2031-03-04T00:00:00.000Z"))
			f.reply(w, l)
		},
		"v1 missing in one bundle element": func(w http.ResponseWriter, r *request) {
			bad := f.signedLicense(r.Params)
			delete(bad, "license_signature")
			f.reply(w, []any{f.signedLicense(r.Params), bad})
		},
	}
	for name, h := range cases {
		f.setHandle(func(w http.ResponseWriter, r *request) bool { h(w, r); return true })
		var err error
		switch name {
		case "no header", "another key":
			err = c.DeactivateLicense(ctx, keyID)
		case "v1 missing in one bundle element":
			_, err = c.ActivateBundle(ctx, keyID)
		default:
			_, err = c.ActivateLicense(ctx, keyID)
		}
		var se *SignatureError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v, want a *SignatureError", name, err)
		}
	}
}

func TestLicenseTypedFields(t *testing.T) {
	f := newFakeServer(t)
	f.set(map[string]any{"allow_grace_period": true, "grace_period": 48, "start_date": "2026-01-02",
		"user": map[string]any{"id": 4, "email": "ann@example.com", "is_initial_password": true, "max_activations": 3}})
	c, _ := newClient(t, f.URL)
	l, err := c.ActivateLicense(context.Background(), keyID)
	if err != nil {
		t.Fatal(err)
	}
	if l.ID != 17 || l.LicenseKey != "ABCD-EFGH" || l.LicenseType != "subscription" || !l.Enabled || !l.Active ||
		l.Expired || l.Trial || l.ValidityPeriod.Format(time.RFC3339) != "2031-03-04T00:00:00Z" ||
		l.StartDate.Format("2006-01-02") != "2026-01-02" || l.GracePeriod != 48*time.Hour || !l.AllowGracePeriod ||
		l.MaxActivations != 2 || l.TimesActivated != 1 || l.ProductCode != "DESKTOP" || l.Metadata["tier"] != "pro" ||
		l.CustomFields[0] != (CustomField{Name: "edition", DataType: "text", Value: "studio"}) ||
		l.User.Email != "ann@example.com" || !l.User.IsInitialPassword || l.User.MaxActivations != 3 ||
		l.Raw["license_signature"] == nil {
		t.Errorf("license = %+v", l)
	}
	if len(l.Features) != 3 || l.Features[0].Code != "export" || l.Features[0].ExpiryDate != nil ||
		l.Features[1].ExpiryDate.Year() != 2030 || l.Features[2].MaxConsumption != 50 || l.Features[2].TotalConsumptions != 4 ||
		l.Features[2].Type != "consumption" || l.Features[2].Raw["code"] != "credits" {
		t.Errorf("features = %+v", l.Features)
	}
	f.set(map[string]any{"validity_period": "next tuesday"})
	var e *APIError
	if _, err := c.ActivateLicense(context.Background(), keyID); !errors.As(err, &e) || e.Code != CodeUnexpectedResponse {
		t.Errorf("bad validity_period: %v", err)
	}
}
