package licensor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// OAuth mode against a fake server: the cases the real server cannot be
// made to produce on demand (an expired token, a failing token endpoint)
// live here; e2e_oauth_test.go runs the real one.

// tokenServer is an OAuth token endpoint that issues "token-1",
// "token-2", … and records the forms it was sent. fail, when set, answers
// first.
type tokenServer struct {
	*httptest.Server
	ttl    int
	issued atomic.Int32
	mu     sync.Mutex
	forms  []url.Values
	fail   func(w http.ResponseWriter) bool
}

func newTokenServer(t *testing.T, ttl int) *tokenServer {
	ts := &tokenServer{ttl: ttl}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		ts.mu.Lock()
		ts.forms = append(ts.forms, form)
		fail := ts.fail
		ts.mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.Header.Get("Authorization") != "" {
			http.Error(w, "bad token request", http.StatusBadRequest)
			return
		}
		if fail != nil && fail(w) {
			return
		}
		if form.Get("client_secret") != "secret" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"unknown client or wrong secret"}`))
			return
		}
		n := ts.issued.Add(1)
		fmt.Fprintf(w, `{"access_token":"token-%d","expires_in":%d,"token_type":"Bearer"}`, n, ts.ttl)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// oauthFake is a fake License API server in OAuth mode: oauth_url names
// tokens, and calls are accepted with a token in valid (others get
// oauth_token_expired).
func oauthFake(t *testing.T, tokens *tokenServer, valid func(token string) bool) *fakeServer {
	f := newFakeServer(t)
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		if r.Path == "/api/v4/oauth_url" {
			f.reply(w, map[string]any{"url": tokens.URL + "/oauth/token", "login_type": "client_credentials"})
			return true
		}
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); !ok || !valid(tok) || r.Header.Get("Date") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"status":401,"code":"oauth_token_expired","message":"get a new one"}`))
			return true
		}
		return false
	})
	return f
}

func oauthClient(t *testing.T, url string, clk *clock, edit ...func(*Config)) *Client {
	c, _ := newClient(t, url, append([]func(*Config){func(c *Config) {
		c.APIKey, c.SharedKey, c.ClientID, c.ClientSecret, c.Now = "", "", "client-1", "secret", clk.now
	}}, edit...)...)
	return c
}

func TestOAuthTokenFromOAuthURLAndCached(t *testing.T) {
	tokens := newTokenServer(t, 480)
	f := oauthFake(t, tokens, func(tok string) bool { return tok == "token-1" || tok == "token-2" })
	clk := &clock{t: day0}
	c := oauthClient(t, f.URL, clk)
	ctx := context.Background()
	for range 3 {
		if _, err := c.CheckLicense(ctx, keyID, CheckOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r := f.seen()
	if len(r) != 4 || r[0].Path != "/api/v4/oauth_url" || r[0].Params["login_type"] != "client_credentials" ||
		r[0].Header.Get("Authorization") != "" || r[0].Header.Get("Date") != "" {
		t.Fatalf("oauth_url request %+v of %d", r[0], len(r))
	}
	for _, q := range r[1:] {
		if q.Header.Get("Authorization") != "Bearer token-1" || q.Header.Get("Date") != "Mon, 01 Jun 2026 12:00:00 GMT" {
			t.Errorf("call headers %v", q.Header)
		}
	}
	if tokens.issued.Load() != 1 {
		t.Errorf("%d tokens fetched for three calls", tokens.issued.Load())
	}
	form := tokens.forms[0]
	if form.Get("grant_type") != "client_credentials" || form.Get("client_id") != "client-1" || form.Get("client_secret") != "secret" {
		t.Errorf("token form %v", form)
	}
	// Shortly before expiry the token is replaced; oauth_url is not asked
	// again.
	clk.set(day0.Add(480*time.Second - tokenMargin - time.Second))
	_, _ = c.CheckLicense(ctx, keyID, CheckOptions{})
	clk.set(day0.Add(480*time.Second - tokenMargin))
	if _, err := c.CheckLicense(ctx, keyID, CheckOptions{}); err != nil {
		t.Fatal(err)
	}
	r = f.seen()
	if tokens.issued.Load() != 2 || r[len(r)-2].Header.Get("Authorization") != "Bearer token-1" ||
		r[len(r)-1].Header.Get("Authorization") != "Bearer token-2" || len(r) != 6 {
		t.Errorf("%d tokens; last calls %q, %q", tokens.issued.Load(), r[len(r)-2].Header.Get("Authorization"), r[len(r)-1].Header.Get("Authorization"))
	}
}

func TestOAuthConfiguredTokenURL(t *testing.T) {
	tokens := newTokenServer(t, 60)
	f := oauthFake(t, tokens, func(string) bool { return true })
	c := oauthClient(t, f.URL, &clock{t: day0}, func(c *Config) { c.TokenURL = tokens.URL + "/elsewhere" })
	if _, err := c.ActivateLicense(context.Background(), keyID); err != nil {
		t.Fatal(err)
	}
	if r := f.seen(); len(r) != 1 || r[0].Path != "/api/v4/activate_license" {
		t.Errorf("requests %v", r)
	}
}

func TestOAuthRefreshOnceOnRefusedToken(t *testing.T) {
	// The server refuses token-1 (as after a restart with a new key, or
	// at expiry): the client fetches token-2 and repeats the call once.
	tokens := newTokenServer(t, 480)
	f := oauthFake(t, tokens, func(tok string) bool { return tok == "token-2" })
	c := oauthClient(t, f.URL, &clock{t: day0})
	ctx := context.Background()
	if err := c.DeactivateLicense(ctx, keyID); err != nil {
		t.Fatal(err)
	}
	r := f.seen()
	if len(r) != 3 || r[1].Header.Get("Authorization") != "Bearer token-1" || r[2].Header.Get("Authorization") != "Bearer token-2" {
		t.Fatalf("%d requests", len(r))
	}
	// A token refused again after the refresh is returned, not retried
	// further.
	f2 := oauthFake(t, tokens, func(string) bool { return false })
	c2 := oauthClient(t, f2.URL, &clock{t: day0})
	_, err := c2.CheckLicense(ctx, keyID, CheckOptions{})
	wantAPI(t, err, CodeOAuthTokenExpired)
	if n := len(f2.seen()); n != 3 { // oauth_url, the call, its one repetition
		t.Errorf("%d requests", n)
	}
}

func TestOAuthTokenErrors(t *testing.T) {
	tokens := newTokenServer(t, 480)
	f := oauthFake(t, tokens, func(string) bool { return true })
	ctx := context.Background()
	bad := oauthClient(t, f.URL, &clock{t: day0}, func(c *Config) { c.ClientSecret = "wrong" })
	_, err := bad.CheckLicense(ctx, keyID, CheckOptions{})
	var e *APIError
	if !errors.As(err, &e) || e.Status != 401 || e.Code != "invalid_client" || e.Message != "unknown client or wrong secret" {
		t.Fatalf("wrong secret: %v", err)
	}
	if n := len(f.seen()); n != 1 { // oauth_url only: no call without a token
		t.Errorf("%d requests to the API", n)
	}
	// A token endpoint that fails without an OAuth error, then hangs up:
	// unexpected_response, then a network error, which is retried (no
	// call was sent, whatever the call) until a token comes.
	var n atomic.Int32
	tokens.mu.Lock()
	tokens.fail = func(w http.ResponseWriter) bool {
		switch n.Add(1) {
		case 1:
			http.Error(w, "<html>proxy error</html>", http.StatusBadGateway)
			return true
		case 2:
			hangUp(w)
			return true
		}
		return false
	}
	tokens.mu.Unlock()
	c, s := newClient(t, f.URL, func(c *Config) { c.APIKey, c.SharedKey, c.ClientID, c.ClientSecret = "", "", "client-1", "secret" })
	err = c.DeactivateLicense(ctx, keyID)
	if !errors.As(err, &e) || e.Code != CodeUnexpectedResponse || e.Status != http.StatusBadGateway {
		t.Fatalf("a proxy's page from the token endpoint: %v", err)
	}
	if err := c.DeactivateLicense(ctx, keyID); err != nil || len(s.all()) != 1 {
		t.Fatalf("after a hang-up: %v, waits %v", err, s.all())
	}
}

func TestOAuthURLMustBeSigned(t *testing.T) {
	// A forged oauth_url would send the client secret elsewhere.
	f := newFakeServer(t)
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		_, _ = w.Write([]byte(`{"url":"https://evil.example.com/token"}`))
		return true
	})
	c := oauthClient(t, f.URL, &clock{t: day0})
	var se *SignatureError
	if _, err := c.CheckLicense(context.Background(), keyID, CheckOptions{}); !errors.As(err, &se) {
		t.Fatalf("unsigned oauth_url: %v", err)
	}
	answering(f, map[string]any{"url": "not a url"})
	var e *APIError
	if _, err := c.OAuthURL(context.Background()); !errors.As(err, &e) || e.Code != CodeUnexpectedResponse {
		t.Fatalf("oauth_url without a URL: %v", err)
	}
}

func TestNewCredentialModes(t *testing.T) {
	_, _, pemA, _ := keys(t)
	for name, tc := range map[string]struct {
		cfg Config
		ok  bool
	}{
		"API key":             {Config{APIKey: "a", SharedKey: "s"}, true},
		"OAuth":               {Config{ClientID: "c", ClientSecret: "s"}, true},
		"OAuth with a URL":    {Config{ClientID: "c", ClientSecret: "s", TokenURL: "https://t.example.com/token"}, true},
		"both":                {Config{APIKey: "a", SharedKey: "s", ClientID: "c", ClientSecret: "s"}, false},
		"neither":             {Config{}, false},
		"client id only":      {Config{ClientID: "c"}, false},
		"client secret only":  {Config{ClientSecret: "s"}, false},
		"token URL not http":  {Config{ClientID: "c", ClientSecret: "s", TokenURL: "ftp://t"}, false},
		"token URL with HMAC": {Config{APIKey: "a", SharedKey: "s", TokenURL: "https://t.example.com/token"}, false},
	} {
		tc.cfg.BaseURL, tc.cfg.PublicKeyPEM = "https://l.example.com", pemA
		if _, err := New(tc.cfg); (err == nil) != tc.ok {
			t.Errorf("%s: %v", name, err)
		}
	}
}
