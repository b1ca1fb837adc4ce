package licensor

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Request shapes and answer decoding of the consumption, device variable,
// version, floating and SSO calls, against the fake server (the real one
// is in e2e_usage_test.go).

// answering makes f answer every request with the signed JSON of v.
func answering(f *fakeServer, v any) {
	f.setHandle(func(w http.ResponseWriter, r *request) bool { f.reply(w, v); return true })
}

func TestConsumptionRequests(t *testing.T) {
	f := newFakeServer(t)
	c, _ := newClient(t, f.URL)
	ctx := context.Background()
	answering(f, map[string]any{"id": 17, "max_consumptions": 100, "total_consumptions": 42, "allow_overages": true,
		"max_overages": 5, "allow_negative_consumptions": false, "reset_consumption": true, "consumption_period": "monthly",
		"company": map[string]any{"id": 1}})
	maxOver, allow := int64(3), false
	got, err := c.AddConsumption(ctx, keyID, 7, ConsumptionOptions{MaxOverages: &maxOver, AllowOverages: &allow})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 17 || got.TotalConsumptions != 42 || got.MaxConsumptions != 100 || !got.AllowOverages || got.MaxOverages != 5 ||
		!got.ResetConsumption || got.ConsumptionPeriod != "monthly" || got.Raw["company"] == nil {
		t.Errorf("AddConsumption = %+v", got)
	}
	if _, err := c.AddConsumption(ctx, keyID, -2, ConsumptionOptions{}); err != nil {
		t.Fatal(err)
	}
	answering(f, map[string]any{"id": 9, "license_id": 17, "total_consumptions": 3, "max_consumptions": 10})
	fc, err := c.AddFeatureConsumption(ctx, keyID, "credits", 3)
	if err != nil || fc.ID != 9 || fc.LicenseID != 17 || fc.TotalConsumptions != 3 || fc.MaxConsumptions != 10 {
		t.Fatalf("AddFeatureConsumption = %+v, %v", fc, err)
	}
	r := f.seen()
	if r[0].Method != http.MethodPost || r[0].Path != "/api/v4/add_consumption" || r[0].Params["consumptions"] != float64(7) ||
		r[0].Params["max_overages"] != float64(3) || r[0].Params["allow_overages"] != false || r[0].Params["license_key"] != "ABCD-EFGH" ||
		r[0].Params["password"] != nil || r[0].Params["sdk_ver"] != nil {
		t.Errorf("add_consumption sent %s %v", r[0].Path, r[0].Params)
	}
	if _, ok := r[1].Params["max_overages"]; ok || r[1].Params["consumptions"] != float64(-2) {
		t.Errorf("add_consumption without options sent %v", r[1].Params)
	}
	if r[2].Path != "/api/v4/add_feature_consumption" || r[2].Params["feature"] != "credits" || r[2].Params["consumptions"] != float64(3) {
		t.Errorf("add_feature_consumption sent %s %v", r[2].Path, r[2].Params)
	}
}

func TestConsumptionNotRetriedAfterNetworkError(t *testing.T) {
	// A network error after the request left may mean the units were
	// counted: adding them again would count them twice.
	f := newFakeServer(t)
	count := failing(f, 1, hangUp)
	c, _ := newClient(t, f.URL)
	_, err := c.AddConsumption(context.Background(), keyID, 1, ConsumptionOptions{})
	var ne *NetworkError
	if !errors.As(err, &ne) || count.Load() != 1 {
		t.Fatalf("%v after %d attempts", err, count.Load())
	}
}

func TestDeviceVariableRequests(t *testing.T) {
	f := newFakeServer(t)
	c, _ := newClient(t, f.URL)
	ctx := context.Background()
	answering(f, []any{map[string]any{"variable": "seat", "value": "front", "device_id": 4, "created_at": 1781006400000}})
	vs, err := c.TrackDeviceVariables(ctx, keyID, map[string]string{"seat": "front", "n": "3"})
	if err != nil || len(vs) != 1 || vs[0].Variable != "seat" || vs[0].Value != "front" || vs[0].DeviceID != 4 ||
		!vs[0].CreatedAt.Equal(time.UnixMilli(1781006400000)) {
		t.Fatalf("TrackDeviceVariables = %+v, %v", vs, err)
	}
	answering(f, []any{map[string]any{"id": 8, "created_at": "2026-06-09T12:00:00.000Z", "variable": "seat", "value": "front", "device_id": 4}})
	vs, err = c.GetDeviceVariables(ctx, keyID)
	if err != nil || len(vs) != 1 || vs[0].ID != 8 || vs[0].CreatedAt.Format(time.RFC3339) != "2026-06-09T12:00:00Z" {
		t.Fatalf("GetDeviceVariables = %+v, %v", vs, err)
	}
	r := f.seen()
	vars, _ := r[0].Params["variables"].(map[string]any)
	if r[0].Method != http.MethodPost || r[0].Path != "/api/v4/track_device_variables" || vars["seat"] != "front" || vars["n"] != "3" {
		t.Errorf("track_device_variables sent %v", r[0].Params)
	}
	if r[1].Method != http.MethodGet || r[1].Path != "/api/v4/get_device_variables" || r[1].Params["hardware_id"] != "hw-1" {
		t.Errorf("get_device_variables sent %s %v", r[1].Method, r[1].Params)
	}
	answering(f, map[string]any{"not": "a list"})
	var e *APIError
	if _, err := c.GetDeviceVariables(ctx, keyID); !errors.As(err, &e) || e.Code != CodeUnexpectedResponse {
		t.Errorf("an object for a list: %v", err)
	}
}

func TestVersionRequests(t *testing.T) {
	f := newFakeServer(t)
	c, _ := newClient(t, f.URL)
	ctx := context.Background()
	answering(f, []any{map[string]any{"version": "1.0.0", "release_date": "2026-01-02T00:00:00.000Z"}, map[string]any{"version": "1.1.0", "release_date": nil}})
	vs, err := c.Versions(ctx, keyID, VersionOptions{Env: "win64"})
	if err != nil || len(vs) != 2 || vs[0].Version != "1.0.0" || vs[0].ReleaseDate.Year() != 2026 || vs[1].ReleaseDate != nil {
		t.Fatalf("Versions = %+v, %v", vs, err)
	}
	answering(f, map[string]any{"id": 3, "version": "1.1.0", "installation_file": "https://dl.example.com/a.msi",
		"release_date": "2026-02-03T00:00:00.000Z", "hash_md5": "abc", "environment": "win64", "eula_link": "https://e",
		"release_notes_link": "https://n", "size": "1024", "requires_version": "1.0.0", "channel": "beta", "company": map[string]any{"id": 1}})
	file, err := c.InstallationFile(ctx, keyID, InstallationFileOptions{Env: "win64", Channel: "beta", Version: "1.1.0"})
	if err != nil || file.ID != 3 || file.URL != "https://dl.example.com/a.msi" || file.HashMD5 != "abc" || file.Size != "1024" ||
		file.Environment != "win64" || file.Channel != "beta" || file.RequiresVersion != "1.0.0" || file.EulaLink != "https://e" ||
		file.ReleaseNotesLink != "https://n" || file.ReleaseDate.Month() != 2 {
		t.Fatalf("InstallationFile = %+v, %v", file, err)
	}
	r := f.seen()
	if r[0].Path != "/api/v4/versions" || r[0].Params["env"] != "win64" || strings.Contains(r[0].RawQuery, "channel=") {
		t.Errorf("versions sent %s?%s", r[0].Path, r[0].RawQuery)
	}
	if p := r[1].Params; r[1].Path != "/api/v4/installation_file" || p["env"] != "win64" || p["channel"] != "beta" || p["version"] != "1.1.0" {
		t.Errorf("installation_file sent %s %v", r[1].Path, p)
	}
}

func TestFloatingRequests(t *testing.T) {
	f := newFakeServer(t)
	c, _ := newClient(t, f.URL)
	ctx := context.Background()
	borrowed := map[string]any{"borrowed_until": "2026-06-02T12:00:00.000Z", "max_borrow_time": 24, "device_id": 4, "license_id": 17}
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		if strings.HasSuffix(r.Path, "release") {
			w.WriteHeader(http.StatusOK) // empty, unsigned, as licensor answers
			return true
		}
		f.reply(w, borrowed)
		return true
	})
	user := Identity{Product: "DESKTOP", HardwareID: "hw-1", Username: "ann@example.com", Password: "pw"}
	until := time.Date(2026, 6, 2, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	b, err := c.FloatingBorrow(ctx, user, &until)
	if err != nil || !b.BorrowedUntil.Equal(time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)) || b.MaxBorrowTime != 24*time.Hour ||
		b.DeviceID != 4 || b.LicenseID != 17 {
		t.Fatalf("FloatingBorrow = %+v, %v", b, err)
	}
	if _, err := c.FloatingFeatureBorrow(ctx, keyID, "seat", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.FloatingRelease(ctx, user); err != nil {
		t.Fatal(err)
	}
	if err := c.FloatingFeatureRelease(ctx, keyID, "seat"); err != nil {
		t.Fatal(err)
	}
	r := f.seen()
	if p := r[0].Params; r[0].Path != "/api/v4/floating/borrow" || p["borrowed_until"] != "2026-06-02T12:00:00.000Z" || p["password"] != "pw" {
		t.Errorf("borrow sent %s %v", r[0].Path, p)
	}
	if p := r[1].Params; r[1].Path != "/api/v4/floating/feature_borrow" || p["feature"] != "seat" {
		t.Errorf("feature_borrow sent %s %v", r[1].Path, p)
	} else if v, ok := p["borrowed_until"]; !ok || v != nil {
		t.Errorf("feature_borrow without a time sent borrowed_until %v (want null)", v)
	}
	if p := r[2].Params; r[2].Path != "/api/v4/floating/release" || p["password"] != nil || p["username"] != "ann@example.com" {
		t.Errorf("release sent %s %v", r[2].Path, p)
	}
	if p := r[3].Params; r[3].Path != "/api/v4/floating/feature_release" || p["feature"] != "seat" {
		t.Errorf("feature_release sent %s %v", r[3].Path, p)
	}
	// A release answer with a body must verify like any other.
	f.setHandle(func(w http.ResponseWriter, r *request) bool { _, _ = w.Write([]byte(`{"released":true}`)); return true })
	var se *SignatureError
	if err := c.FloatingRelease(ctx, keyID); !errors.As(err, &se) {
		t.Errorf("an unsigned release body: %v", err)
	}
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		f.reply(w, map[string]any{"released": true})
		return true
	})
	if err := c.FloatingRelease(ctx, keyID); err != nil {
		t.Errorf("a signed release body: %v", err)
	}
}

func TestSSORequests(t *testing.T) {
	f := newFakeServer(t)
	c, _ := newClient(t, f.URL)
	ctx := context.Background()
	answering(f, map[string]any{"url": "https://idp.example.com/auth?x=1", "openid_configuration": map[string]any{"issuer": "https://idp.example.com"}})
	u, err := c.SSOURL(ctx, SSOURLRequest{Product: "DESKTOP", CustomerAccountCode: "ACME", ResponseType: "code", RedirectURI: "http://localhost:1/cb"})
	if err != nil || u.URL != "https://idp.example.com/auth?x=1" || u.OpenIDConfiguration["issuer"] != "https://idp.example.com" {
		t.Fatalf("SSOURL = %+v, %v", u, err)
	}
	if p := f.seen()[0]; p.Method != http.MethodGet || p.Path != "/api/v4/sso_url" || p.Params["product"] != "DESKTOP" ||
		p.Params["customer_account_code"] != "ACME" || p.Params["response_type"] != "code" || p.Params["redirect_uri"] != "http://localhost:1/cb" {
		t.Errorf("sso_url sent %s %v", p.Path, p.Params)
	}

	// An SSO activation: license_signature covers the answer's user.email,
	// cut at its first "|".
	f.setHandle(nil)
	f.set(map[string]any{"user": map[string]any{"id": 4, "email": "ann@example.com|ACME"}})
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		f.reply(w, f.signedLicense(map[string]any{"hardware_id": r.Params["hardware_id"], "username": "ann@example.com"}))
		return true
	})
	sso := Identity{Product: "DESKTOP", HardwareID: "hw-1", CustomerAccountCode: "ACME", Code: "the-code", RedirectURI: "http://localhost:1/cb"}
	l, err := c.ActivateLicense(ctx, sso)
	if err != nil || l.User.Email != "ann@example.com|ACME" {
		t.Fatalf("SSO activation = %+v, %v", l, err)
	}
	p := f.seen()[1].Params
	if p["customer_account_code"] != "ACME" || p["code"] != "the-code" || p["redirect_uri"] != "http://localhost:1/cb" ||
		p["id_token"] != nil || p["license_key"] != nil || p["username"] != nil {
		t.Errorf("SSO activation sent %v", p)
	}
	answering(f, map[string]any{"borrowed_until": "2026-06-02T12:00:00.000Z", "max_borrow_time": 24})
	implicit := Identity{Product: "DESKTOP", HardwareID: "hw-1", CustomerAccountCode: "ACME", IDToken: "tok"}
	if _, err := c.FloatingBorrow(ctx, implicit, nil); err != nil {
		t.Fatal(err)
	}
	if got := f.seen()[2].Params; got["id_token"] != "tok" || got["code"] != nil {
		t.Errorf("SSO borrow sent %v", got)
	}
	// The answer names another user: the signature does not cover it.
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		l := f.signedLicense(map[string]any{"hardware_id": r.Params["hardware_id"], "username": "eve@example.com"})
		f.reply(w, l)
		return true
	})
	var se *SignatureError
	if _, err := c.ActivateLicense(ctx, sso); !errors.As(err, &se) {
		t.Errorf("an SSO answer signed for another user: %v", err)
	}
	n := len(f.seen())
	for name, id := range map[string]Identity{
		"SSO with both grants":     {Product: "P", HardwareID: "h", CustomerAccountCode: "ACME", IDToken: "t", Code: "c"},
		"SSO without a grant":      {Product: "P", HardwareID: "h", CustomerAccountCode: "ACME"},
		"SSO and a key":            {Product: "P", HardwareID: "h", CustomerAccountCode: "ACME", Code: "c", LicenseKey: "K"},
		"SSO on check_license":     sso,
		"SSO on add_consumption":   sso,
		"SSO on floating/release":  sso,
		"SSO on activate_bundle":   sso,
		"SSO on device variables ": sso,
	} {
		var err error
		switch {
		case strings.Contains(name, "check"):
			_, err = c.CheckLicense(ctx, id, CheckOptions{})
		case strings.Contains(name, "consumption"):
			_, err = c.AddConsumption(ctx, id, 1, ConsumptionOptions{})
		case strings.Contains(name, "release"):
			err = c.FloatingRelease(ctx, id)
		case strings.Contains(name, "bundle"):
			_, err = c.ActivateBundle(ctx, id)
		case strings.Contains(name, "variables"):
			_, err = c.GetDeviceVariables(ctx, id)
		default:
			_, err = c.ActivateLicense(ctx, id)
		}
		if !errors.Is(err, ErrInvalidIdentity) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(f.seen()) != n {
		t.Error("an invalid identity was sent")
	}
}
