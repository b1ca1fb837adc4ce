package licenseapi_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licenseapi"
	"github.com/licensor/licensor/internal/ratelimit"
	"github.com/licensor/licensor/internal/store"
	"github.com/licensor/licensor/internal/testkit"
)

// raw sends bytes on a fresh connection, then (when half) closes the
// sending side, and reads one response.
func raw(t *testing.T, s *testkit.Server, req string, half bool) *http.Response {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	if half {
		must(t, c.(*net.TCPConn).CloseWrite())
	}
	must(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func signedHead(s *testkit.Server, extra string) string {
	date := time.Now().UTC().Format(http.TimeFormat)
	return "POST /api/v4/activate_license HTTP/1.1\r\nHost: x\r\nDate: " + date + "\r\nAuthorization: " +
		auth.AuthorizationHeader(s.APIKey, []byte(s.SharedKey), date) + "\r\nContent-Type: application/json\r\n" + extra + "\r\n"
}

func wantRawError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	var b strings.Builder
	_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
	want := fmt.Sprintf(`{"status":%d,"code":"%s",`, status, code)
	if resp.StatusCode != status || !strings.HasPrefix(b.String(), want) {
		t.Fatalf("got %d %s, want %d %s", resp.StatusCode, b.String(), status, code)
	}
}

// A body the client failed to send whole is the client's fault: 400 or
// 408, logged below ERROR, never a 500.
func TestBrokenBodiesAreClientErrors(t *testing.T) {
	s := testkit.Start(t, func(c *app.Config) { c.ReadTimeout = 300 * time.Millisecond })
	t.Run("truncated", func(t *testing.T) {
		resp := raw(t, s, signedHead(s, "Content-Length: 100\r\n")+`{"product":"KEY"`, true)
		wantRawError(t, resp, 400, "invalid_request_body")
	})
	t.Run("badly chunked", func(t *testing.T) {
		resp := raw(t, s, signedHead(s, "Transfer-Encoding: chunked\r\n")+"zz\r\n{}\r\n0\r\n\r\n", false)
		wantRawError(t, resp, 400, "invalid_request_body")
	})
	t.Run("too slow", func(t *testing.T) {
		resp := raw(t, s, signedHead(s, "Content-Length: 100\r\n")+`{"product":`, false) // then nothing
		wantRawError(t, resp, 408, "request_timeout")
	})
	if logs := s.Logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Fatalf("a client's broken body was logged as an error:\n%s", logs)
	}
}

// A write lock held by another process past the busy timeout is overload:
// 503 server_busy with Retry-After, and nothing changes.
func TestHeldWriteLockIsServerBusy(t *testing.T) {
	c := newCatalog(t, func(cfg *app.Config) {
		cfg.SQLite = store.SQLiteOptions{BusyTimeout: 200 * time.Millisecond}
		cfg.Postgres.LockTimeout = 200 * time.Millisecond
	})
	c.keyLicense("BUSY-1", 5)
	release := c.HoldWriteLock(t)
	r := c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw-busy", "license_key": "BUSY-1"})
	release()
	wantError(t, r, 503, "server_busy")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if logs := c.Logs.String(); strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "level=WARN") {
		t.Fatalf("busy database not logged as a warning:\n%s", logs)
	}
	// Once the lock is gone the same request succeeds.
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw-busy", "license_key": "BUSY-1"}), "hw-busy", "BUSY-1")
}

// Every string a client sends has a maximum length; one byte more is
// validation_error and stores nothing.
func TestOverlongParametersAreRefused(t *testing.T) {
	c := newCatalog(t)
	c.keyLicense("LONG-1", 100)
	base := func(kv ...any) map[string]any {
		m := map[string]any{"product": "KEY", "license_key": "LONG-1", "hardware_id": "hw"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	vars := func(n, nameLen, valueLen int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m[fmt.Sprintf("%0*d", max(nameLen, 3), i)] = strings.Repeat("v", valueLen)
		}
		return m
	}
	for _, tt := range []struct {
		name     string
		ok, long map[string]any
	}{
		{"hardware_id", base("hardware_id", strings.Repeat("h", 512)), base("hardware_id", strings.Repeat("h", 30000))},
		{"hardware_id by one", base("hardware_id", strings.Repeat("a", 512)), base("hardware_id", strings.Repeat("b", 513))},
		{"app_ver", base("hardware_id", "t1", "app_ver", strings.Repeat("1", 256)), base("hardware_id", "t2", "app_ver", strings.Repeat("1", 257))},
		{"vm_info", base("hardware_id", "t3", "vm_info", strings.Repeat("v", 1024)), base("hardware_id", "t4", "vm_info", strings.Repeat("v", 1025))},
		{"variables count", base("hardware_id", "t5", "variables", vars(64, 3, 1)), base("hardware_id", "t6", "variables", vars(65, 3, 1))},
		{"variable value", base("hardware_id", "t7", "variables", vars(1, 3, 1024)), base("hardware_id", "t8", "variables", vars(1, 3, 1025))},
		{"variable name", base("hardware_id", "t9", "variables", vars(1, 128, 1)), base("hardware_id", "t10", "variables", vars(1, 129, 1))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := c.deviceCount(t)
			r := c.post("activate_license", tt.long)
			wantError(t, r, 400, "validation_error")
			if n := c.deviceCount(t); n != before {
				t.Fatalf("a refused activation stored a device (%d → %d)", before, n)
			}
			if r := c.post("activate_license", tt.ok); r.Status != 200 {
				t.Fatalf("at the limit: %d %s", r.Status, r.Body)
			}
		})
	}
	long := strings.Repeat("x", 250) + "@example.com"
	wantError(t, c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": "trial", "email": long}), 400, "validation_error")
	wantError(t, c.get("trial_key", map[string]string{"product": "KEY", "hardware_id": "trial", "first_name": strings.Repeat("n", 256)}), 400, "validation_error")
	wantError(t, c.get("check_license", map[string]string{"product": strings.Repeat("P", 129), "hardware_id": "hw", "license_key": "LONG-1"}), 400, "validation_error")
	if n, err := c.App.Store.Reader().CountTrials(t.Context(), c.CompanyID); err != nil || n != 0 {
		t.Fatalf("refused trials stored %d (%v)", n, err)
	}
}

func (c *catalog) deviceCount(t *testing.T) int {
	t.Helper()
	var n int
	must(t, c.DB(t).QueryRow(`SELECT count(*) FROM devices`).Scan(&n))
	return n
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Requests are limited per address before anything else runs, and per
// company and per credential once authorized, with Retry-After; the health
// check is not.
func TestRateLimits(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	s := testkit.Start(t, func(c *app.Config) {
		c.Now = clock.Now
		c.RateLimits = licenseapi.RateLimits{
			PerIP:         ratelimit.Rule{Limit: 6, Window: 6 * time.Second},
			PerCredential: ratelimit.Rule{Limit: 3, Window: time.Minute},
		}
	})
	get := func(path string, header map[string]string) testkit.Response {
		return s.Do(testkit.Request{Method: "GET", Path: path, Header: header})
	}
	// The credential's 3, then its 429; the unknown path still counts
	// against the address.
	for range 3 {
		if r := get("/api/v4/product_details?product=NOPE", nil); r.Status != 400 {
			t.Fatalf("within the limit: %d %s", r.Status, r.Body)
		}
	}
	r := get("/api/v4/product_details?product=NOPE", nil)
	wantError(t, r, 429, "too_many_requests")
	if ra, _ := strconv.Atoi(r.Header.Get("Retry-After")); ra < 1 || ra > 20 {
		t.Fatalf("Retry-After = %q, want 20 s or less (a minute / 3)", r.Header.Get("Retry-After"))
	}
	// Another credential of the same company has its own allowance.
	cred, err := s.App.Service.CreateCredential(t.Context(), s.CompanyID, "second")
	must(t, err)
	date := time.Now().UTC().Format(http.TimeFormat)
	other := map[string]string{"Date": date, "Authorization": auth.AuthorizationHeader(cred.APIKey, []byte(cred.SharedKey), date)}
	wantError(t, get("/api/v4/product_details?product=NOPE", other), 400, "unknown_product")
	// The address has used its 6 (4 above, 1 there, and this one).
	wantError(t, get("/api/v4/nowhere", nil), 404, "not_found")
	r = get("/api/v4/public_key", nil)
	wantError(t, r, 429, "too_many_requests")
	if r.Header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After = %q, want 1 (one request per second refills)", r.Header.Get("Retry-After"))
	}
	for range 10 {
		if resp, err := http.Get(s.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz was limited: %v", err)
		}
	}
	// Time refills the buckets: one request a second for the address.
	clock.Add(time.Second)
	if r := get("/api/v4/public_key", nil); r.Status != 200 {
		t.Fatalf("after a second: %d %s", r.Status, r.Body)
	}
	wantError(t, get("/api/v4/public_key", nil), 429, "too_many_requests")
}

// A request that waits for the database past the request timeout is
// answered 503 server_busy, whatever form the interrupted wait took.
func TestRequestTimeoutIsServerBusy(t *testing.T) {
	c := newCatalog(t, func(cfg *app.Config) { cfg.RequestTimeout = 300 * time.Millisecond })
	c.keyLicense("SLOW-1", 5)
	release := c.HoldWriteLock(t) // longer than the request may wait
	start := time.Now()
	r := c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw-slow", "license_key": "SLOW-1"})
	waited := time.Since(start)
	release()
	wantError(t, r, 503, "server_busy")
	// The database's own busy timeout is 10 s: an answer well within it
	// came from the request timeout (a generous bound, not a speed test).
	if r.Header.Get("Retry-After") == "" || waited > 5*time.Second {
		t.Fatalf("Retry-After %q after %v", r.Header.Get("Retry-After"), waited)
	}
	if logs := c.Logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Fatalf("a timed-out request was logged as an error:\n%s", logs)
	}
}
