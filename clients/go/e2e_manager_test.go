package licensor

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestEndToEndManager(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	provision(s)
	s.start()
	ctx := context.Background()
	c := s.client(s.publicKey, func(c *Config) { c.MaxRetries = 1 })
	path := filepath.Join(t.TempDir(), "app", "license.json")
	clk := &clock{t: time.Now()}
	manager := func() *Manager {
		m, err := NewManager(ManagerConfig{Client: c, Product: "DESKTOP", HardwareID: "mgr-hw", LicenseFile: path, Now: clk.now})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	l, err := manager().Activate(ctx, "DESK-0000-0000-0002")
	if err != nil || l.LicenseKey != "DESK-0000-0000-0002" {
		t.Fatalf("Activate = %+v, %v", l, err)
	}
	// The application restarts: a new Manager on the same file.
	m := manager()
	if l, err := m.LocalCheck(); err != nil || l.LicenseKey != "DESK-0000-0000-0002" || !m.HasFeature("export") {
		t.Fatalf("LocalCheck after restart = %+v, %v", l, err)
	}
	if r, err := m.Check(ctx); err != nil || r.Offline {
		t.Fatalf("online Check = %+v, %v", r, err)
	}

	// The server stops: Check falls back to the file within the grace.
	s.stop()
	clk.set(time.Now().Add(2 * 24 * time.Hour))
	r, err := m.Check(ctx)
	if err != nil || !r.Offline || r.License.LicenseKey != "DESK-0000-0000-0002" {
		t.Fatalf("offline Check = %+v, %v", r, err)
	}
	clk.set(time.Now().Add(8 * 24 * time.Hour))
	_, err = m.Check(ctx)
	wantLocal(t, err, CodeOfflineGraceExpired)

	// The server is back: online again, and the grace restarts.
	s.start()
	r, err = m.Check(ctx)
	if err != nil || r.Offline || !r.LastServerContact.Equal(clk.now()) {
		t.Fatalf("Check with the server back = %+v, %v", r, err)
	}
	if _, err := m.LocalCheck(); err != nil {
		t.Fatal(err)
	}
	if err := m.Deactivate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("license file after Deactivate: %v", err)
	}
	_, err = c.CheckLicense(ctx, Identity{Product: "DESKTOP", HardwareID: "mgr-hw", LicenseKey: "DESK-0000-0000-0002"}, CheckOptions{})
	var e *APIError
	if !errors.As(err, &e) {
		t.Fatalf("check after Deactivate: %v", err)
	}
}

// tamperingProxy forwards to target and rewrites answers with edit; it
// counts the answers it changed.
func tamperingProxy(t *testing.T, target string, edit func(resp *http.Response, body []byte) []byte) (*httptest.Server, *atomic.Int32) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var changed atomic.Int32
	p := httputil.NewSingleHostReverseProxy(u)
	p.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		out := edit(resp, body)
		if !bytes.Equal(out, body) {
			changed.Add(1)
		}
		resp.Body = io.NopCloser(bytes.NewReader(out))
		resp.ContentLength = int64(len(out))
		resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
		return nil
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv, &changed
}

func TestEndToEndForgedAnswersRejected(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	cat := provision(s)
	s.start()
	ctx := context.Background()
	id := Identity{Product: "DESKTOP", HardwareID: "hw-1", LicenseKey: cat.key}
	if _, err := s.client(s.publicKey).ActivateLicense(ctx, id); err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) func(*http.Response, []byte) []byte {
		return func(_ *http.Response, b []byte) []byte { return bytes.ReplaceAll(b, []byte(old), []byte(new)) }
	}
	for name, edit := range map[string]func(*http.Response, []byte) []byte{
		"max_activations raised": replace(`"max_activations":2`, `"max_activations":9`),
		"validity extended":      replace(`"validity_period":"2031-03-04T00:00:00.000Z"`, `"validity_period":"2099-03-04T00:00:00.000Z"`),
		"header removed": func(r *http.Response, b []byte) []byte {
			r.Header.Del("LicenseSignature")
			return append(b, ' ')
		},
	} {
		t.Run(name, func(t *testing.T) {
			proxy, changed := tamperingProxy(t, s.url(), edit)
			c := s.client(s.publicKey, func(c *Config) { c.BaseURL = proxy.URL })
			var se *SignatureError
			if _, err := c.ActivateLicense(ctx, id); !errors.As(err, &se) {
				t.Errorf("activate through the proxy: %v", err)
			}
			if _, err := c.CheckLicense(ctx, id, CheckOptions{}); !errors.As(err, &se) {
				t.Errorf("check through the proxy: %v", err)
			}
			if changed.Load() != 2 {
				t.Errorf("the proxy changed %d answers", changed.Load())
			}
		})
	}
	// An honest proxy passes.
	proxy, _ := tamperingProxy(t, s.url(), func(_ *http.Response, b []byte) []byte { return b })
	if _, err := s.client(s.publicKey, func(c *Config) { c.BaseURL = proxy.URL }).CheckLicense(ctx, id, CheckOptions{}); err != nil {
		t.Fatalf("through an honest proxy: %v", err)
	}

	// Another licensor, with its own key, serving the same catalog.
	other := newServer(t)
	provision(other)
	other.start()
	var se *SignatureError
	if _, err := other.client(s.publicKey).ActivateLicense(ctx, id); !errors.As(err, &se) {
		t.Fatalf("another server's answer: %v", err)
	}
	if _, err := other.client(s.publicKey).ProductDetails(ctx, ProductDetailsRequest{Product: "DESKTOP"}); !errors.As(err, &se) {
		t.Fatalf("another server's product_details: %v", err)
	}
	if _, err := other.client(other.publicKey).ActivateLicense(ctx, id); err != nil {
		t.Fatalf("the other server with its own key: %v", err)
	}
}
