package mgmtapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/mgmtapi"
	"github.com/licensor/licensor/internal/ratelimit"
)

// Authentication, routing and the order of checks (management-api.md §1.2,
// §1.11, §2).
func TestAuthenticationAndRouting(t *testing.T) {
	w := newWorld(t)
	prefix, _, _ := strings.Cut(w.key, ".")
	revoked, err := w.App.Catalog.CreateManagementKey(context.Background(), catalog.Actor{CompanyID: w.CompanyID}, "old", false)
	must(t, err)
	must(t, w.App.Catalog.RevokeManagementKey(context.Background(), catalog.Actor{CompanyID: w.CompanyID}, revoked.Prefix))
	for _, tt := range []struct {
		name, method, path, auth string
		status                   int
		code                     string
	}{
		{"no Authorization", "GET", "licenses/", "", 401, "authentication_required"},
		{"a bearer token", "GET", "licenses/", "Bearer abc", 401, "authentication_required"},
		{"License API HMAC", "GET", "licenses/", `algorithm="hmac-sha256",headers="date",signature="x",apikey="` + w.APIKey + `"`, 401, "authentication_required"},
		{"Api-Key with garbage", "GET", "licenses/", "Api-Key nonsense", 401, "invalid_api_key"},
		{"the wrong secret of a real prefix", "GET", "licenses/", "Api-Key " + prefix + "." + strings.Repeat("A", 32), 401, "invalid_api_key"},
		{"a revoked key", "GET", "licenses/", "Api-Key " + revoked.Key, 401, "invalid_api_key"},
		{"a License API key", "GET", "licenses/", "Api-Key " + w.APIKey, 401, "invalid_api_key"},
		{"unknown path, before authentication", "GET", "nothing/", "", 404, "not_found"},
		{"an id with a leading zero", "GET", "licenses/01/", "Api-Key " + w.key, 404, "not_found"},
		{"a negative id", "GET", "licenses/-1", "Api-Key " + w.key, 404, "not_found"},
		{"an id past 2^53", "GET", "licenses/9007199254740993/", "Api-Key " + w.key, 404, "not_found"},
		{"an unknown id", "GET", "licenses/999/", "Api-Key " + w.key, 404, "not_found"},
		{"PUT on a known path", "PUT", "licenses/1/", "Api-Key " + w.key, 405, "method_not_allowed"},
		{"a read-only key writes", "POST", "licenses/1/disable/", "Api-Key " + w.ro, 403, "permission_denied"},
		{"scheme word in another case", "GET", "licenses/999", "api-key " + w.key, 404, "not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := w.do(tt.method, tt.path, tt.auth, "")
			wantError(t, a, tt.status, tt.code)
			if tt.status == 401 && a.header.Get("WWW-Authenticate") != `Api-Key realm="licensor"` {
				t.Fatalf("WWW-Authenticate = %q", a.header.Get("WWW-Authenticate"))
			}
			if tt.status == 405 && a.header.Get("Allow") != "GET, HEAD, PATCH" {
				t.Fatalf("Allow = %q", a.header.Get("Allow"))
			}
		})
	}
	// One body for every invalid key, so a prefix cannot be probed.
	a := w.do("GET", "licenses/", "Api-Key "+prefix+"."+strings.Repeat("B", 32), "")
	b := w.do("GET", "licenses/", "Api-Key ZZZZZZZZ."+strings.Repeat("B", 32), "")
	if string(a.body) != string(b.body) {
		t.Fatalf("a known and an unknown prefix answer differently: %s / %s", a.body, b.body)
	}
	// A read-only key reads; with and without the trailing slash; HEAD.
	for _, p := range []string{"licenses", "licenses/"} {
		if a := w.do("GET", p, "Api-Key "+w.ro, ""); a.status != 200 {
			t.Fatalf("read-only GET %s: %d %s", p, a.status, a.body)
		}
	}
	if a := w.do("HEAD", "licenses/", "Api-Key "+w.key, ""); a.status != 200 || len(a.body) != 0 {
		t.Fatalf("HEAD: %d %q", a.status, a.body)
	}
	// The key's use is recorded, at most once a minute.
	keys, err := w.App.Catalog.ManagementKeys(context.Background(), w.CompanyID)
	must(t, err)
	if keys[0].LastUsedAt == nil || keys[2].RevokedAt == nil {
		t.Fatalf("keys after use: %+v", keys)
	}
}

// Secrets are stored hashed: the database holds no key.
func TestKeysAreStoredHashed(t *testing.T) {
	w := newWorld(t)
	_, secret, _ := strings.Cut(w.key, ".")
	if strings.Contains(w.snapshot(), secret) {
		t.Fatal("the database holds a management key's secret")
	}
	var n int
	must(t, w.DB(t).QueryRow(`SELECT count(*) FROM management_keys WHERE secret_hash LIKE '%' || $1 || '%'`, secret).Scan(&n))
	if n != 0 {
		t.Fatal("a secret is stored in clear")
	}
}

// Each key has its own token bucket (management-api.md §1.14).
func TestRateLimitPerKey(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	w := newWorld(t)
	api := mgmtapi.New(w.App.Catalog, slog.New(slog.DiscardHandler), mgmtapi.Config{Rate: ratelimit.Rule{Limit: 3, Window: 3 * time.Second}, Now: clock.now})
	srv := httptest.NewServer(api)
	defer srv.Close()
	call := func(key string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/licenses/", nil)
		req.Header.Set("Authorization", "Api-Key "+key)
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		res.Body.Close()
		return res
	}
	for range 3 {
		if res := call(w.key); res.StatusCode != 200 {
			t.Fatalf("within the burst: %d", res.StatusCode)
		}
	}
	res := call(w.key)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "1" {
		t.Fatalf("past the burst: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if res := call(w.ro); res.StatusCode != 200 {
		t.Fatalf("another key is not limited by the first: %d", res.StatusCode)
	}
	clock.add(time.Second)
	if res := call(w.key); res.StatusCode != 200 {
		t.Fatalf("a second later: %d", res.StatusCode)
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
