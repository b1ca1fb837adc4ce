package mgmtapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/testkit"
)

// world is a licensor on loopback (SQLite or PostgreSQL, as the test run
// says) with a read-write and a read-only management key.
type world struct {
	*testkit.Server
	t        *testing.T
	key, ro  string
	roPrefix string
}

func newWorld(t *testing.T, opts ...testkit.Option) *world {
	t.Helper()
	s := testkit.Start(t, opts...)
	w := &world{Server: s, t: t}
	cli := catalog.Actor{CompanyID: s.CompanyID}
	k, err := s.App.Catalog.CreateManagementKey(context.Background(), cli, "billing", false)
	must(t, err)
	ro, err := s.App.Catalog.CreateManagementKey(context.Background(), cli, "support", true)
	must(t, err)
	w.key, w.ro, w.roPrefix = k.Key, ro.Key, ro.Prefix
	return w
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// answer is one exchange with /api/v1.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %s", a.status, a.body)
	}
	return m
}

// do sends method path (under /api/v1/) with body and the Authorization
// value auth ("" for none).
func (w *world) do(method, path, auth, body string, hdr ...string) answer {
	w.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, w.URL+"/api/v1/"+path, rd)
	must(w.t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	must(w.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(w.t, err)
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

func (w *world) get(path string) answer { w.t.Helper(); return w.do("GET", path, "Api-Key "+w.key, "") }
func (w *world) post(path, body string) answer {
	w.t.Helper()
	return w.do("POST", path, "Api-Key "+w.key, body)
}

// wantError asserts the error shape of management-api.md §1.10.
func wantError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil || a.status != status || m["code"] != code || m["status"] != float64(status) || len(m) != 3 {
		t.Fatalf("got %d %s, want %d %s", a.status, a.body, status, code)
	}
	if msg, _ := m["message"].(string); msg == "" {
		t.Fatalf("no message: %s", a.body)
	}
}

func wantMessage(t *testing.T, a answer, msg string) {
	t.Helper()
	if a.status != 200 || string(a.body) != `{"message":"`+msg+`"}` {
		t.Fatalf("got %d %s, want 200 %q", a.status, a.body, msg)
	}
}

// licenseAPI sends a License API request (HMAC-signed by testkit).
func (w *world) licenseAPI(method, path string, body any) testkit.Response {
	w.t.Helper()
	b, _ := json.Marshal(body)
	if method == "GET" {
		q := []string{}
		for k, v := range body.(map[string]string) {
			q = append(q, k+"="+v)
		}
		return w.Do(testkit.Request{Method: "GET", Path: "/api/v4/" + path + "?" + strings.Join(q, "&")})
	}
	return w.Do(testkit.Request{Method: method, Path: "/api/v4/" + path, Body: string(b)})
}

func licenseCode(t *testing.T, r testkit.Response) string {
	t.Helper()
	if r.Status == 200 {
		return "ok"
	}
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	code, _ := m["code"].(string)
	return code
}

// keyLicense provisions a key-based license of product APP.
func (w *world) keyLicense(key string, maxActivations int64, settings ...string) int64 {
	w.t.Helper()
	l, err := w.App.Service.CreateLicense(context.Background(), w.CompanyID, licensing.LicenseSpec{Product: "APP", Key: key,
		MaxActivations: &maxActivations, Customer: "buyer@example.com", Settings: settings})
	must(w.t, err)
	return l.ID
}

func (w *world) snapshot() string {
	w.t.Helper()
	s, err := w.App.Store.Snapshot(context.Background())
	must(w.t, err)
	return s
}
