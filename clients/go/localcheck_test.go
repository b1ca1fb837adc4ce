package licensor

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"
)

// activated is a Manager whose file holds the fake server's license with
// the changes in kv, activated at day0.
func activated(t *testing.T, kv map[string]any) (*Manager, *fakeServer, *clock) {
	t.Helper()
	f := newFakeServer(t)
	f.set(kv)
	clk := &clock{t: day0}
	m := newManager(t, f.URL, clk)
	if _, err := m.Activate(context.Background(), "ABCD-EFGH"); err != nil {
		t.Fatal(err)
	}
	return m, f, clk
}

func TestLocalCheckCodes(t *testing.T) {
	validity := "2026-06-03T00:00:00.000Z"
	end, _ := time.Parse(time.RFC3339, validity)
	for _, tc := range []struct {
		name    string
		license map[string]any
		edit    func(*ManagerConfig)
		at      time.Time
		code    string // "" means the check passes
	}{
		{name: "valid", at: day0},
		{name: "missing", edit: func(c *ManagerConfig) { c.LicenseFile += ".nope" }, at: day0, code: CodeLicenseFileMissing},
		{name: "another device", edit: func(c *ManagerConfig) { c.HardwareID = "hw-2" }, at: day0, code: CodeHardwareIDMismatch},
		{name: "another product", edit: func(c *ManagerConfig) { c.Product = "OTHER" }, at: day0, code: CodeProductMismatch},
		{name: "disabled", license: map[string]any{"license_enabled": false}, at: day0, code: CodeLicenseNotEnabled},
		{name: "inactive", license: map[string]any{"license_active": false}, at: day0, code: CodeLicenseNotActive},
		{name: "disabled before inactive", license: map[string]any{"license_enabled": false, "license_active": false}, at: day0, code: CodeLicenseNotEnabled},
		{name: "before expiry", license: map[string]any{"validity_period": validity}, at: end.Add(-time.Second)},
		{name: "at expiry", license: map[string]any{"validity_period": validity}, at: end, code: CodeLicenseExpired},
		{name: "perpetual", license: map[string]any{"validity_period": nil}, at: day0.Add(6 * 24 * time.Hour)},
		{name: "within the grace period", license: map[string]any{"validity_period": validity, "allow_grace_period": true, "grace_period": 24},
			at: end.Add(23 * time.Hour)},
		{name: "past the grace period", license: map[string]any{"validity_period": validity, "allow_grace_period": true, "grace_period": 24},
			at: end.Add(24 * time.Hour), code: CodeLicenseExpired},
		{name: "grace period not allowed", license: map[string]any{"validity_period": validity, "grace_period": 24},
			at: end.Add(time.Hour), code: CodeLicenseExpired},
		{name: "clock 4 minutes back", at: day0.Add(-4 * time.Minute)},
		{name: "clock set back", at: day0.Add(-6 * time.Minute), code: CodeClockTampered},
		{name: "expired before clock tampered", license: map[string]any{"validity_period": "2026-01-01T00:00:00.000Z"},
			at: day0.Add(-time.Hour), code: CodeLicenseExpired},
		{name: "offline grace reached", at: day0.Add(DefaultOfflineGrace)},
		{name: "offline grace passed", at: day0.Add(DefaultOfflineGrace + time.Second), code: CodeOfflineGraceExpired},
		{name: "custom offline grace", edit: func(c *ManagerConfig) { c.OfflineGrace = time.Hour }, at: day0.Add(61 * time.Minute),
			code: CodeOfflineGraceExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, f, clk := activated(t, tc.license)
			if tc.edit != nil {
				m = newManager(t, f.URL, clk, func(c *ManagerConfig) { c.LicenseFile = m.path }, tc.edit)
			}
			clk.set(tc.at)
			l, err := m.LocalCheck()
			if tc.code == "" {
				if err != nil || l == nil {
					t.Fatalf("LocalCheck: %v", err)
				}
				return
			}
			wantLocal(t, err, tc.code)
		})
	}
}

func TestLocalCheckProductIsSigned(t *testing.T) {
	m, f, clk := activated(t, nil)
	var file licenseFile
	data, _ := os.ReadFile(m.path)
	_ = json.Unmarshal(data, &file)
	file.Request.Product = "OTHER" // unsigned; the answer's short code is signed
	data, _ = json.Marshal(file)
	_ = os.WriteFile(m.path, data, 0o600)
	other := newManager(t, f.URL, clk, func(c *ManagerConfig) { c.LicenseFile, c.Product = m.path, "OTHER" })
	_, err := other.LocalCheck()
	wantLocal(t, err, CodeProductMismatch)
}

func TestCheckOnlineRewritesFile(t *testing.T) {
	m, _, clk := activated(t, nil)
	clk.set(day0.Add(3 * 24 * time.Hour))
	r, err := m.Check(context.Background())
	if err != nil || r.Offline || !r.LastServerContact.Equal(clk.now()) {
		t.Fatalf("Check = %+v, %v", r, err)
	}
	// The contact moved: the offline grace now runs from here.
	clk.set(day0.Add(9 * 24 * time.Hour))
	if _, err := m.LocalCheck(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckFallsBackOnlyOnNetworkErrors(t *testing.T) {
	m, f, clk := activated(t, nil)
	ctx := context.Background()
	clk.set(day0.Add(2 * 24 * time.Hour))

	// The server answers an error: returned as it is, no fallback.
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"status":400,"code":"license_not_enabled","message":"disabled"}`))
		return true
	})
	var e *APIError
	if _, err := m.Check(ctx); !errors.As(err, &e) || e.Code != "license_not_enabled" {
		t.Fatalf("API error: %v", err)
	}
	// Still 503 after every retry: an API error too.
	f.setHandle(func(w http.ResponseWriter, r *request) bool { w.WriteHeader(503); return true })
	if _, err := m.Check(ctx); !errors.As(err, &e) || e.Status != 503 {
		t.Fatalf("503: %v", err)
	}
	// A forged answer: a signature error, no fallback.
	f.setHandle(func(w http.ResponseWriter, r *request) bool { _, _ = w.Write([]byte(`{}`)); return true })
	var se *SignatureError
	if _, err := m.Check(ctx); !errors.As(err, &se) {
		t.Fatalf("unsigned: %v", err)
	}
	// No answer: the file, within the grace.
	f.setHandle(func(w http.ResponseWriter, r *request) bool { hangUp(w); return true })
	r, err := m.Check(ctx)
	if err != nil || !r.Offline || r.License.LicenseKey != "ABCD-EFGH" || !r.LastServerContact.Equal(day0) {
		t.Fatalf("offline Check = %+v, %v", r, err)
	}
	// Past the grace, the LocalLicenseError wraps the network error.
	clk.set(day0.Add(8 * 24 * time.Hour))
	_, err = m.Check(ctx)
	wantLocal(t, err, CodeOfflineGraceExpired)
	var ne *NetworkError
	if !errors.As(err, &ne) {
		t.Errorf("%v does not wrap the NetworkError", err)
	}
	// A cancelled context does not fall back.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	clk.set(day0)
	if r, err := m.Check(cctx); err == nil || (r != nil && r.Offline) {
		t.Errorf("cancelled Check = %+v, %v", r, err)
	}
}

func TestDeactivateRemovesFile(t *testing.T) {
	m, f, _ := activated(t, nil)
	ctx := context.Background()
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"status":400,"code":"device_not_found","message":"no"}`))
		return true
	})
	if err := m.Deactivate(ctx); err == nil {
		t.Fatal("Deactivate succeeded")
	}
	if _, err := os.Stat(m.path); err != nil {
		t.Fatal("a failed Deactivate removed the file")
	}
	f.setHandle(nil)
	if err := m.Deactivate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.path); !os.IsNotExist(err) {
		t.Fatalf("the file is still there: %v", err)
	}
	if p := f.seen()[len(f.seen())-1]; p.Path != "/api/v4/deactivate_license" || p.Params["hardware_id"] != "hw-1" || p.Params["license_key"] != "ABCD-EFGH" {
		t.Errorf("deactivate sent %+v", p)
	}
	_, err := m.LocalCheck()
	wantLocal(t, err, CodeLicenseFileMissing)
	wantLocal(t, m.Deactivate(ctx), CodeLicenseFileMissing)
}

func TestManagerFeatures(t *testing.T) {
	m, _, clk := activated(t, nil)
	if !m.HasFeature("export") || !m.HasFeature("credits") || m.HasFeature("nope") {
		t.Error("features wrong")
	}
	f, err := m.Feature("credits")
	if err != nil || f.MaxConsumption != 50 {
		t.Errorf("Feature = %+v, %v", f, err)
	}
	// "old" expires 2030-01-01.
	if !m.HasFeature("old") {
		t.Error("old missing before its expiry")
	}
	_, err = m.Feature("nope")
	wantLocal(t, err, CodeFeatureNotFound)
	clk.set(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	// Past the offline grace: no license, no features.
	_, err = m.Feature("export")
	wantLocal(t, err, CodeOfflineGraceExpired)
	m2 := newManager(t, "http://127.0.0.1:1", clk, func(c *ManagerConfig) { c.LicenseFile, c.OfflineGrace = m.path, 10*365*24*time.Hour })
	if m2.HasFeature("old") || !m2.HasFeature("export") {
		t.Error("an expired feature is offered")
	}
}
