// Package sso talks to customer accounts' OpenID Connect providers for
// License API sign-in (license-api.md §5.18): discovery, id_token
// verification against the provider's JWKS, and the authorization-code
// exchange. The protocol work is go-oidc's; this package bounds it (timeouts,
// answer sizes, a fixed-size cache of providers) and reduces its errors to
// two kinds licensor answers differently.
package sso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

var (
	// ErrUnavailable: the provider could not be asked (unreachable, an
	// error answer, a discovery document for another issuer).
	ErrUnavailable = errors.New("sso: the identity provider is unavailable")
	// ErrInvalid: the provider or the token refused the sign-in (a token
	// not signed by the provider, for another client, expired; a code the
	// provider does not take).
	ErrInvalid = errors.New("sso: the sign-in is not valid")
)

const (
	// providerTTL is how long a discovery document is used before it is
	// fetched again; the JWKS is refetched by go-oidc on an unknown key id.
	providerTTL = time.Hour
	// maxProviders bounds the cache: one entry per configured issuer.
	maxProviders = 256
	// maxAnswer bounds what a provider's answer may make licensor read.
	maxAnswer = 1 << 20
)

// Discovery is the part of a provider's discovery document clients see.
type Discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
	UserinfoEndpoint      string `json:"userinfo_endpoint,omitempty"`
	EndSessionEndpoint    string `json:"end_session_endpoint,omitempty"`
	IntrospectionEndpoint string `json:"introspection_endpoint,omitempty"`
}

// Identity is what a verified id_token says about the user.
type Identity struct {
	Subject string
	Email   string
	Nonce   string
}

// Client asks OpenID providers. It is safe for concurrent use.
type Client struct {
	http *http.Client
	now  func() time.Time

	mu        sync.Mutex
	providers map[string]*entry
}

type entry struct {
	p         *oidc.Provider
	discovery Discovery
	fetched   time.Time
}

// New returns a Client that reaches providers with hc (nil: a client with
// a 10 s timeout) and checks token expiry against now.
func New(hc *http.Client, now func() time.Time) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	bounded := *hc
	bounded.Transport = limitedTransport{next: hc.Transport}
	if now == nil {
		now = time.Now
	}
	return &Client{http: &bounded, now: now, providers: map[string]*entry{}}
}

// limitedTransport cuts every answer body at maxAnswer bytes, so that a
// provider cannot make licensor read without end.
type limitedTransport struct{ next http.RoundTripper }

func (t limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	res, err := next.RoundTrip(r)
	if err == nil {
		res.Body = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(res.Body, maxAnswer), res.Body}
	}
	return res, err
}

func (c *Client) provider(ctx context.Context, issuer string) (*entry, error) {
	c.mu.Lock()
	e, ok := c.providers[issuer]
	c.mu.Unlock()
	if ok && c.now().Sub(e.fetched) < providerTTL {
		return e, nil
	}
	// The provider keeps the context's client for its key set; its
	// cancellation is not kept.
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), c.http), issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, issuer, err)
	}
	e = &entry{p: p, fetched: c.now()}
	if err := p.Claims(&e.discovery); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, issuer, err)
	}
	c.mu.Lock()
	if len(c.providers) >= maxProviders {
		clear(c.providers)
	}
	c.providers[issuer] = e
	c.mu.Unlock()
	return e, nil
}

// Discover returns the provider's discovery document.
func (c *Client) Discover(ctx context.Context, issuer string) (Discovery, error) {
	e, err := c.provider(ctx, issuer)
	if err != nil {
		return Discovery{}, err
	}
	return e.discovery, nil
}

// Verify checks an id_token: signed by the issuer's keys, issued by it, for
// clientID, not expired; and it must name an e-mail address that the
// provider does not say is unverified.
func (c *Client) Verify(ctx context.Context, issuer, clientID, rawIDToken string) (*Identity, error) {
	e, err := c.provider(ctx, issuer)
	if err != nil {
		return nil, err
	}
	// The provider's own key set: cached across sign-ins, refetched
	// (through c.http, given at discovery) when a token names an unknown
	// key. VerifierContext would fetch the JWKS on every call.
	v := e.p.Verifier(&oidc.Config{ClientID: clientID, Now: c.now})
	tok, err := v.Verify(ctx, rawIDToken)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
	}
	if err := tok.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if claims.Email == "" || claims.EmailVerified != nil && !*claims.EmailVerified {
		return nil, fmt.Errorf("%w: the id_token has no verified email", ErrInvalid)
	}
	return &Identity{Subject: tok.Subject, Email: claims.Email, Nonce: tok.Nonce}, nil
}

// Exchange trades an authorization code for the provider's id_token and
// verifies it. licensor is a public client of the provider (no secret): the
// application that got the code passes it on with the redirect_uri it used.
func (c *Client) Exchange(ctx context.Context, issuer, clientID, code, redirectURI string) (*Identity, error) {
	e, err := c.provider(ctx, issuer)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {clientID}}
	if redirectURI != "" {
		form.Set("redirect_uri", redirectURI)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.discovery.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: token endpoint: %v", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: token endpoint: %v", ErrUnavailable, err)
	}
	defer res.Body.Close()
	var out struct {
		IDToken string `json:"id_token"`
	}
	switch {
	case res.StatusCode >= 500:
		return nil, fmt.Errorf("%w: token endpoint answered %d", ErrUnavailable, res.StatusCode)
	case res.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%w: the provider refused the code (%d)", ErrInvalid, res.StatusCode)
	case json.NewDecoder(res.Body).Decode(&out) != nil || out.IDToken == "":
		return nil, fmt.Errorf("%w: the token endpoint's answer has no id_token", ErrUnavailable)
	}
	return c.Verify(ctx, issuer, clientID, out.IDToken)
}
