// Package oidctest is a stand-in OpenID Connect provider on loopback for
// licensor's SSO tests (license-api.md §5.18): discovery, a JWKS, an
// authorization endpoint that signs in whoever `login_hint` names without a
// login page, and a token endpoint for the authorization-code grant. It is
// a real HTTP server speaking the protocol, so licensor's SSO code and the
// clients' are exercised as they would be against a customer's provider;
// only the login screen is left out. Test code only.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultEmail is who signs in when the authorization request has no
// login_hint.
const DefaultEmail = "sso-user@acme.example"

// Provider is a running stand-in provider.
type Provider struct {
	// URL is the issuer: http://127.0.0.1:PORT.
	URL string
	// Now is the provider's clock for iat/exp (default time.Now); set it to
	// the server's injected clock in tests.
	Now func() time.Time

	key    *rsa.PrivateKey
	signer jose.Signer
	srv    *http.Server

	mu    sync.Mutex
	codes map[string]grant // authorization codes not yet redeemed

	// JWKSFetches counts requests for the key set.
	JWKSFetches atomic.Int64
}

type grant struct {
	clientID, redirectURI, nonce, email string
}

const keyID = "standin-1"

// Start listens on addr ("127.0.0.1:0" for any free port) and serves.
func Start(addr string) (*Provider, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	signer, err := newSigner(key, keyID)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &Provider{URL: "http://" + ln.Addr().String(), Now: time.Now, key: key, signer: signer, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go p.srv.Serve(ln)
	return p, nil
}

// Close stops the provider.
func (p *Provider) Close() error { return p.srv.Close() }

func newSigner(key *rsa.PrivateKey, kid string) (jose.Signer, error) {
	return jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
}

// Claims returns the claims of an id_token the provider would issue to
// clientID for email with nonce; tests change them before IDToken.
func (p *Provider) Claims(clientID, email, nonce string) map[string]any {
	now := p.Now()
	sum := sha256.Sum256([]byte(email))
	c := map[string]any{"iss": p.URL, "sub": hex.EncodeToString(sum[:8]), "aud": clientID, "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "email": email, "email_verified": true}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return c
}

// IDToken signs claims with the provider's key.
func (p *Provider) IDToken(claims map[string]any) (string, error) { return sign(p.signer, claims) }

// ForeignIDToken signs claims with another key under the provider's key
// id: a token the provider did not issue.
func (p *Provider) ForeignIDToken(claims map[string]any) (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	s, err := newSigner(key, keyID)
	if err != nil {
		return "", err
	}
	return sign(s, claims)
}

func sign(s jose.Signer, claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize", "token_endpoint": p.URL + "/token",
		"jwks_uri": p.URL + "/jwks", "end_session_endpoint": p.URL + "/logout",
		"response_types_supported": []string{"code", "id_token", "token id_token"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	p.JWKSFetches.Add(1)
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: keyID, Algorithm: "RS256", Use: "sig"}}})
}

// authorize signs in login_hint (or DefaultEmail) at once and redirects to
// redirect_uri: with ?code= for response_type=code, with #id_token= for the
// implicit grant.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || target.Scheme == "" || q.Get("client_id") == "" || q.Get("scope") != "openid" {
		http.Error(w, "redirect_uri, client_id and scope=openid are required", http.StatusBadRequest)
		return
	}
	email := q.Get("login_hint")
	if email == "" {
		email = DefaultEmail
	}
	g := grant{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), nonce: q.Get("nonce"), email: email}
	out := url.Values{}
	if s := q.Get("state"); s != "" {
		out.Set("state", s)
	}
	switch q.Get("response_type") {
	case "code":
		code := rand.Text()
		p.mu.Lock()
		if len(p.codes) >= 10000 {
			clear(p.codes)
		}
		p.codes[code] = g
		p.mu.Unlock()
		out.Set("code", code)
		target.RawQuery = out.Encode()
	case "id_token", "token", "id_token token", "token id_token":
		tok, err := p.IDToken(p.Claims(g.clientID, g.email, g.nonce))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out.Set("id_token", tok)
		out.Set("access_token", tok)
		out.Set("token_type", "Bearer")
		target.Fragment = out.Encode()
	default:
		http.Error(w, "unsupported response_type", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// token redeems an authorization code once, for the client and
// redirect_uri it was issued to.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "authorization_code" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	code := r.PostForm.Get("code")
	p.mu.Lock()
	g, ok := p.codes[code]
	delete(p.codes, code)
	p.mu.Unlock()
	if !ok || g.clientID != r.PostForm.Get("client_id") || g.redirectURI != r.PostForm.Get("redirect_uri") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	tok, err := p.IDToken(p.Claims(g.clientID, g.email, g.nonce))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id_token": tok, "access_token": tok, "token_type": "Bearer", "expires_in": 300})
}

// String names the provider in test logs.
func (p *Provider) String() string { return fmt.Sprintf("stand-in OpenID provider at %s", p.URL) }
