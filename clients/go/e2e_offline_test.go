package licensor

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// postOffline posts a request file to activate_offline or
// deactivate_offline as an upload page would (text/plain, signed with the
// API key) and returns the status and body.
func postOffline(t *testing.T, s *server, endpoint string, file []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url()+"/api/v4/"+endpoint, bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", authorization(s.apiKey, s.sharedKey, date))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestEndToEndOffline(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	usageCatalog(s)
	s.cli("product", "create", "--code", "TEAM", "--name", "Team", "--auth", "user")
	var ul struct{ ID int64 }
	s.cliJSON(&ul, "license", "create", "--product", "TEAM", "--type", "consumption", "max_consumptions=10",
		"allow_offline_activation=true", "--json")
	var u struct {
		InitialPassword string `json:"initial_password"`
	}
	s.cliJSON(&u, "user", "create", "--license", itoa(ul.ID), "--email", "bob@example.com", "--json")
	s.start()
	c := s.client(s.publicKey)
	ctx := context.Background()
	dir := t.TempDir()
	clk := &clock{t: time.Now()}
	manager := func(product, hw string) *Manager {
		m, err := NewManager(ManagerConfig{Client: c, Product: product, HardwareID: hw, LicenseFile: filepath.Join(dir, hw+".json"), Now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	// Key-based, answered by the CLI (a file received by e-mail).
	m := manager("METER", "off-1")
	request, answer := filepath.Join(dir, "off-1.req"), filepath.Join(dir, "off-1.lic")
	if err := m.WriteOfflineActivationRequest(request, "METER-1"); err != nil {
		t.Fatal(err)
	}
	s.cli("offline", "activate", "--request", request, "--out", answer)
	l, err := m.LoadOfflineAnswer(answer)
	if err != nil || l.LicenseKey != "METER-1" || !l.Active || l.LicenseType != "consumption" {
		t.Fatalf("LoadOfflineAnswer = %+v, %v", l, err)
	}
	// The server has the device; locally the file works with no server,
	// also past the offline grace.
	if _, err := c.CheckLicense(ctx, meter("off-1"), CheckOptions{}); err != nil {
		t.Fatalf("check of the offline-activated device: %v", err)
	}
	clk.set(time.Now().Add(30 * 24 * time.Hour))
	if got, err := m.LocalCheck(); err != nil || got.LicenseKey != "METER-1" {
		t.Fatalf("LocalCheck 30 days later = %+v, %v", got, err)
	}
	clk.set(time.Now())

	// Deactivation, with local consumption to sync: the file goes by hand
	// to deactivate_offline.
	m.AddLocalConsumption(3)
	m.AddLocalFeatureConsumption("credits", 2)
	deact := filepath.Join(dir, "off-1.deact")
	if err := m.WriteOfflineDeactivationRequest(deact); err != nil {
		t.Fatal(err)
	}
	_, err = m.LocalCheck()
	wantLocal(t, err, CodeLicenseFileMissing)
	if n, fs := m.PendingConsumption(); n != 0 || len(fs) != 0 {
		t.Errorf("pending after the deactivation request: %d %v", n, fs)
	}
	file, _ := os.ReadFile(deact)
	if status, body := postOffline(t, s, "deactivate_offline", file); status != 200 || string(body) != `"license_deactivated"` {
		t.Fatalf("deactivate_offline: %d %s", status, body)
	}
	_, err = c.CheckLicense(ctx, meter("off-1"), CheckOptions{})
	wantAPI(t, err, "license_not_active") // no device is active on METER-1 now
	other, err := c.ActivateLicense(ctx, meter("off-2"))
	if err != nil || other.TotalConsumptions != 3 {
		t.Fatalf("the synced consumption: %+v, %v", other, err)
	}
	if f, err := c.CheckLicenseFeature(ctx, meter("off-2"), "credits"); err != nil || f.TotalConsumptions != 2 {
		t.Fatalf("the synced feature consumption: %+v, %v", f, err)
	}

	// User-based, answered by activate_offline over HTTP.
	mu := manager("TEAM", "off-u")
	request = filepath.Join(dir, "off-u.req")
	if err := mu.WriteOfflineUserActivationRequest(request, "bob@example.com|ACME", u.InitialPassword); err != nil {
		t.Fatal(err)
	}
	file, _ = os.ReadFile(request)
	status, body := postOffline(t, s, "activate_offline", file)
	if status != 200 {
		t.Fatalf("activate_offline: %d %s", status, body)
	}
	answer = filepath.Join(dir, "off-u.lic")
	if err := os.WriteFile(answer, []byte(base64.StdEncoding.EncodeToString(body)), 0o600); err != nil {
		t.Fatal(err)
	}
	// Loaded by another device or product, or altered: refused, no file.
	for name, other := range map[string]*Manager{"device": manager("TEAM", "off-x"), "product": manager("METER", "off-u")} {
		_, err := other.LoadOfflineAnswer(answer)
		wantLocal(t, err, CodeLicenseFileInvalid)
		if _, err := other.LocalCheck(); err == nil {
			t.Errorf("another %s has a license", name)
		}
	}
	altered := filepath.Join(dir, "altered.lic")
	_ = os.WriteFile(altered, []byte(base64.StdEncoding.EncodeToString(bytes.Replace(body, []byte(`"max_consumptions":10`), []byte(`"max_consumptions":99`), 1))), 0o600)
	_, err = mu.LoadOfflineAnswer(altered)
	wantLocal(t, err, CodeLicenseFileInvalid)
	// The answer echoes the username as sent, which its offline_signature
	// covers; user.email is the username without the account code.
	if l, err = mu.LoadOfflineAnswer(answer); err != nil || l.User == nil || l.User.Email != "bob@example.com" ||
		l.Raw["username"] != "bob@example.com|ACME" {
		t.Fatalf("user-based LoadOfflineAnswer = %+v, %v", l, err)
	}
	// The stored offline license works online too.
	r, err := mu.Check(ctx)
	if err != nil || r.Offline || r.License.User.Email != "bob@example.com" {
		t.Fatalf("online Check of an offline activation = %+v, %v", r, err)
	}
	if err := mu.WriteOfflineDeactivationRequest(filepath.Join(dir, "off-u.deact")); err != nil {
		t.Fatal(err)
	}
	s.cli("offline", "deactivate", "--request", filepath.Join(dir, "off-u.deact"))
	// The CLI is another process: the server's cached check answer goes
	// when its change poll (every 50 ms) sees the deactivation.
	bob := Identity{Product: "TEAM", HardwareID: "off-u", Username: "bob@example.com"}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err = c.CheckLicense(ctx, bob, CheckOptions{})
		if err != nil || time.Now().After(deadline) {
			break
		}
	}
	wantAPI(t, err, "license_not_active")

	// A license type that cannot go offline.
	s.cli("license", "create", "--product", "METER", "--key", "SUB-1", "--type", "subscription", "--validity", "2031-01-01T00:00:00Z",
		"allow_offline_activation=true")
	_ = m.WriteOfflineActivationRequest(request, "SUB-1")
	file, _ = os.ReadFile(request)
	if status, body := postOffline(t, s, "activate_offline", file); status != 400 || !bytes.Contains(body, []byte(`"wrong_license_type"`)) {
		t.Errorf("a subscription offline: %d %s", status, body)
	}
}
