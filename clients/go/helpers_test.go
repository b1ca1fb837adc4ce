package licensor

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKeys are RSA keys made once per test binary (2048 bits take a while
// under -race).
var testKeys struct {
	once       sync.Once
	a, b       *rsa.PrivateKey
	err        error
	pemA, pemB string
}

// keys returns two test key pairs and the public PEM of each.
func keys(t *testing.T) (a, b *rsa.PrivateKey, pemA, pemB string) {
	t.Helper()
	testKeys.once.Do(func() {
		gen := func() (*rsa.PrivateKey, string) {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				testKeys.err = err
				return nil, ""
			}
			der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
			return k, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		}
		testKeys.a, testKeys.pemA = gen()
		testKeys.b, testKeys.pemB = gen()
	})
	if testKeys.err != nil {
		t.Fatal(testKeys.err)
	}
	return testKeys.a, testKeys.b, testKeys.pemA, testKeys.pemB
}

// sign is base64 RSA PKCS#1 v1.5 SHA-256, as the server signs.
func sign(t *testing.T, k *rsa.PrivateKey, msg []byte) string {
	t.Helper()
	sum := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// request is what the fake server saw of one request.
type request struct {
	Method, Path string
	Header       http.Header
	Params       map[string]any // query (as strings) or JSON body
	RawQuery     string
}

// fakeServer is a License API stand-in that signs its answers with a test
// key. By default it answers activate/check with license (plus a v1
// signature over what was sent), deactivate and change_password with their
// strings. handle, when set, answers first (return false to fall through).
type fakeServer struct {
	*httptest.Server
	t   *testing.T
	key *rsa.PrivateKey

	mu       sync.Mutex
	license  map[string]any
	requests []request
	handle   func(w http.ResponseWriter, r *request) bool
}

func newFakeServer(t *testing.T) *fakeServer {
	k, _, _, _ := keys(t)
	f := &fakeServer{t: t, key: k, license: baseLicense()}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// baseLicense is a valid License object without its signature.
func baseLicense() map[string]any {
	return map[string]any{
		"id": 17, "license_key": "ABCD-EFGH", "license_type": "subscription", "is_trial": false,
		"license_enabled": true, "license_active": true, "is_expired": false,
		"validity_period": "2031-03-04T00:00:00.000Z", "allow_grace_period": false, "grace_period": 0,
		"max_activations": 2, "times_activated": 1, "metadata": map[string]any{"tier": "pro"},
		"custom_fields":   []any{map[string]any{"name": "edition", "data_type": "text", "value": "studio"}},
		"product_details": map[string]any{"product_id": 3, "short_code": "DESKTOP"},
		"product_features": []any{
			map[string]any{"id": 5, "code": "export", "name": "Export", "feature_type": "activation", "expiry_date": nil, "metadata": map[string]any{}},
			map[string]any{"id": 6, "code": "old", "name": "Old", "feature_type": "activation", "expiry_date": "2030-01-01T00:00:00.000Z"},
			map[string]any{"id": 7, "code": "credits", "name": "Credits", "feature_type": "consumption", "max_consumption": 50, "total_consumptions": 4},
		},
	}
}

// set changes fields of the license the server answers.
func (f *fakeServer) set(kv map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, v := range kv {
		f.license[k] = v
	}
}

// setHandle installs a handler that answers before the defaults.
func (f *fakeServer) setHandle(h func(w http.ResponseWriter, r *request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handle = h
}

// seen returns the requests so far.
func (f *fakeServer) seen() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

func (f *fakeServer) serve(w http.ResponseWriter, hr *http.Request) {
	r := request{Method: hr.Method, Path: hr.URL.Path, Header: hr.Header.Clone(), Params: map[string]any{}, RawQuery: hr.URL.RawQuery}
	if hr.Method == http.MethodGet {
		for k, v := range hr.URL.Query() {
			r.Params[k] = v[0]
		}
	} else {
		body, _ := io.ReadAll(hr.Body)
		_ = json.Unmarshal(body, &r.Params)
	}
	f.mu.Lock()
	f.requests = append(f.requests, r)
	handle := f.handle
	f.mu.Unlock()
	if handle != nil && handle(w, &r) {
		return
	}
	switch strings.TrimPrefix(r.Path, "/api/v4/") {
	case "activate_license", "check_license":
		f.reply(w, f.signedLicense(r.Params))
	case "activate_bundle", "check_bundle":
		f.reply(w, []any{f.signedLicense(r.Params), f.signedLicense(r.Params)})
	case "deactivate_license", "deactivate_bundle":
		f.reply(w, "license_deactivated")
	case "change_password":
		f.reply(w, "password_changed")
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"status":404,"code":"not_found","message":"no such endpoint"}`))
	}
}

// signedLicense is the license with a v1 signature over the request.
func (f *fakeServer) signedLicense(p map[string]any) map[string]any {
	f.mu.Lock()
	l := map[string]any{}
	for k, v := range f.license {
		l[k] = v
	}
	f.mu.Unlock()
	identity, _ := p["license_key"].(string)
	if u, ok := p["username"].(string); ok {
		identity = u
	}
	hw, _ := p["hardware_id"].(string)
	validity, _ := l["validity_period"].(string)
	l["license_signature"] = sign(f.t, f.key, v1Message(hw, identity, validity))
	return l
}

// reply writes v as a signed 200 answer.
func (f *fakeServer) reply(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		f.t.Error(err)
	}
	f.replyBytes(w, body)
}

// replyBytes writes body as a signed 200 answer.
func (f *fakeServer) replyBytes(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("LicenseSignature", sign(f.t, f.key, body))
	_, _ = w.Write(body)
}

// sleeps records the waits of a client instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newClient is a client of url trusting test key a, with recorded sleeps.
func newClient(t *testing.T, url string, edit ...func(*Config)) (*Client, *sleeps) {
	t.Helper()
	_, _, pemA, _ := keys(t)
	s := &sleeps{}
	cfg := Config{BaseURL: url, APIKey: "api-key", SharedKey: "shared-key", PublicKeyPEM: pemA, Sleep: s.sleep,
		AppName: "TestApp", AppVersion: "1.2.3"}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// keyID is a key-based identity for the fake server's license.
var keyID = Identity{Product: "DESKTOP", HardwareID: "hw-1", LicenseKey: "ABCD-EFGH"}
