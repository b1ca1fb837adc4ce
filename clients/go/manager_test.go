package licensor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is an injectable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var day0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// newManager is a Manager of the fake server's DESKTOP license with a
// license file in a temporary directory.
func newManager(t *testing.T, url string, clk *clock, edit ...func(*ManagerConfig)) *Manager {
	t.Helper()
	c, _ := newClient(t, url)
	cfg := ManagerConfig{Client: c, Product: "DESKTOP", HardwareID: "hw-1",
		LicenseFile: filepath.Join(t.TempDir(), "sub", "license.json"), Now: clk.now}
	for _, e := range edit {
		e(&cfg)
	}
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wantLocal fails unless err is a *LocalLicenseError with code.
func wantLocal(t *testing.T, err error, code string) {
	t.Helper()
	var le *LocalLicenseError
	if !errors.As(err, &le) || le.Code != code {
		t.Fatalf("error %v, want LocalLicenseError %s", err, code)
	}
}

func TestManagerLicenseFileFormat(t *testing.T) {
	f := newFakeServer(t)
	var body []byte
	var header string
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		b, _ := json.Marshal(f.signedLicense(r.Params))
		body, header = b, sign(t, f.key, b)
		w.Header().Set("LicenseSignature", header)
		_, _ = w.Write(b)
		return true
	})
	clk := &clock{t: day0}
	m := newManager(t, f.URL, clk)
	if _, err := m.Activate(context.Background(), "ABCD-EFGH"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(m.path)
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	req := file["request"].(map[string]any)
	got, _ := base64.StdEncoding.DecodeString(file["body_base64"].(string))
	if file["version"] != float64(1) || req["product"] != "DESKTOP" || req["hardware_id"] != "hw-1" ||
		req["license_key"] != "ABCD-EFGH" || len(req) != 3 || string(got) != string(body) ||
		file["license_signature_header"] != header || file["last_server_contact"] != "2026-06-01T12:00:00Z" || len(file) != 5 {
		t.Errorf("license file %s", data)
	}
	if st, _ := os.Stat(m.path); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	if entries, _ := os.ReadDir(filepath.Dir(m.path)); len(entries) != 1 {
		t.Errorf("directory holds %v", entries)
	}
	// A restart of the application: a new Manager on the same file.
	m2 := newManager(t, f.URL, clk, func(c *ManagerConfig) { c.LicenseFile = m.path })
	if l, err := m2.LocalCheck(); err != nil || l.LicenseKey != "ABCD-EFGH" {
		t.Fatalf("LocalCheck = %v, %v", l, err)
	}
}

func TestManagerUserLicenseFile(t *testing.T) {
	f := newFakeServer(t)
	clk := &clock{t: day0}
	m := newManager(t, f.URL, clk)
	if _, err := m.ActivateUser(context.Background(), "ann@example.com|ACME", "secret"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(m.path)
	if strings.Contains(string(data), "secret") || !strings.Contains(string(data), `"username": "ann@example.com|ACME"`) {
		t.Errorf("license file %s", data)
	}
	if _, err := m.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.ChangePassword(context.Background(), "secret", "new secret"); err != nil {
		t.Fatal(err)
	}
	seen := f.seen()
	if chk := seen[1].Params; chk["username"] != "ann@example.com|ACME" || chk["password"] != nil {
		t.Errorf("check sent %v", chk)
	}
	if cp := seen[2].Params; cp["username"] != "ann@example.com|ACME" || cp["password"] != "secret" || cp["new_password"] != "new secret" {
		t.Errorf("change_password sent %v", cp)
	}
	k := newManager(t, f.URL, clk)
	if _, err := k.Activate(context.Background(), "ABCD-EFGH"); err != nil {
		t.Fatal(err)
	}
	if err := k.ChangePassword(context.Background(), "a", "b"); !errors.Is(err, ErrNotUserBased) {
		t.Errorf("key-based ChangePassword: %v", err)
	}
}

func TestManagerTamperedFile(t *testing.T) {
	f := newFakeServer(t)
	clk := &clock{t: day0}
	m := newManager(t, f.URL, clk)
	if _, err := m.Activate(context.Background(), "ABCD-EFGH"); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(m.path)
	var file licenseFile
	if err := json.Unmarshal(orig, &file); err != nil {
		t.Fatal(err)
	}
	body, _ := base64.StdEncoding.DecodeString(file.BodyBase64)
	write := func(lf licenseFile) {
		data, _ := json.Marshal(lf)
		if err := os.WriteFile(m.path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Every byte of the answer, changed, makes the file invalid.
	for i := range body {
		changed := append([]byte(nil), body...)
		changed[i] ^= 0x01
		lf := file
		lf.BodyBase64 = base64.StdEncoding.EncodeToString(changed)
		write(lf)
		_, err := m.LocalCheck()
		wantLocal(t, err, CodeLicenseFileInvalid)
	}
	for name, edit := range map[string]func(*licenseFile){
		"header byte":   func(lf *licenseFile) { lf.LicenseSignatureHeader = flipFirst(lf.LicenseSignatureHeader) },
		"no header":     func(lf *licenseFile) { lf.LicenseSignatureHeader = "" },
		"license key":   func(lf *licenseFile) { lf.Request.LicenseKey = "ABCD-EFGX" },
		"version":       func(lf *licenseFile) { lf.Version = 2 },
		"contact":       func(lf *licenseFile) { lf.LastServerContact = "yesterday" },
		"not base64":    func(lf *licenseFile) { lf.BodyBase64 = "%%" },
		"another's key": func(lf *licenseFile) { _, o, _, _ := keys(t); lf.LicenseSignatureHeader = sign(t, o, body) },
	} {
		lf := file
		edit(&lf)
		write(lf)
		_, err := m.LocalCheck()
		var le *LocalLicenseError
		if !errors.As(err, &le) || le.Code != CodeLicenseFileInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The hardware id is covered by license_signature: moving the file to
	// another device and editing it in does not verify either.
	lf := file
	lf.Request.HardwareID = "hw-2"
	write(lf)
	m2 := newManager(t, f.URL, clk, func(c *ManagerConfig) { c.LicenseFile, c.HardwareID = m.path, "hw-2" })
	_, err := m2.LocalCheck()
	wantLocal(t, err, CodeLicenseFileInvalid)
	if err := os.WriteFile(m.path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = m.Check(context.Background())
	wantLocal(t, err, CodeLicenseFileInvalid)
	write(file)
	if _, err := m.LocalCheck(); err != nil {
		t.Fatalf("the original file: %v", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "license.json")
	old, next := []byte(strings.Repeat("a", 1<<16)), []byte(strings.Repeat("b", 1<<17))
	if err := writeFileAtomic(path, old); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			if err := writeFileAtomic(path, [][]byte{old, next}[i%2]); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	reads := 0
	for running := true; running; reads++ {
		select {
		case <-done:
			running = false
		default:
		}
		data, err := os.ReadFile(path)
		if err != nil || (string(data) != string(old) && string(data) != string(next)) {
			t.Fatalf("a reader saw %d bytes, %v", len(data), err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %v", entries)
	}
	// A failed replace leaves no temporary file behind.
	target := filepath.Join(dir, "is-a-dir")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(target, old); err == nil {
		t.Fatal("replacing a directory succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("directory holds %v", entries)
	}
}

// flipFirst changes the first character of a base64 string to another one
// (a fixed replacement would leave a signature starting with it intact).
func flipFirst(s string) string {
	if s[0] == 'B' {
		return "C" + s[1:]
	}
	return "B" + s[1:]
}
