package licensor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The error codes of License API calls whose bearer token must be
// replaced (license-api.md §2.2, §6.2).
const (
	CodeOAuthTokenExpired   = "oauth_token_expired"
	CodeOAuthTokenMalformed = "oauth_token_malformed"
)

// tokenMargin is how long before its expiry a cached token is replaced, so
// that it does not expire on the way to the server; tokens shorter than
// four margins are replaced after three quarters of their life.
const tokenMargin = 30 * time.Second

// tokenSource gets and caches the access token of OAuth mode
// (license-api.md §2.2): client credentials posted to the token endpoint,
// which is Config.TokenURL or what GET oauth_url names.
type tokenSource struct {
	c            *Client
	clientID     string
	clientSecret string

	// mu is held while a token is fetched, so that concurrent calls wait
	// for one fetch instead of each making their own.
	mu       sync.Mutex
	url      string // the token endpoint; "" until known
	current  string
	renewAt  time.Time
	obtained bool
}

// token returns a cached token that is not about to expire, or fetches one.
func (s *tokenSource) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.c.now()
	if s.obtained && now.Before(s.renewAt) {
		return s.current, nil
	}
	if s.url == "" {
		u, err := s.c.OAuthURL(ctx)
		if err != nil {
			return "", err
		}
		s.url = u.URL
	}
	token, ttl, err := s.fetch(ctx)
	if err != nil {
		return "", err
	}
	margin := min(tokenMargin, ttl/4)
	s.current, s.renewAt, s.obtained = token, now.Add(ttl-margin), true
	return token, nil
}

// stale reports whether e says the bearer token was refused as expired or
// malformed, and if so drops the cached token so the next call fetches a
// new one.
func (s *tokenSource) stale(e *APIError) bool {
	if e.Status != http.StatusUnauthorized || (e.Code != CodeOAuthTokenExpired && e.Code != CodeOAuthTokenMalformed) {
		return false
	}
	s.mu.Lock()
	s.obtained = false
	s.mu.Unlock()
	return true
}

// tokenAnswer is the token endpoint's answer, success (RFC 6749 §5.1) or
// error (§5.2).
type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// fetch posts the client credentials to the token endpoint. A refusal is an
// *APIError whose Code is the OAuth error ("invalid_client"); no answer is
// a *NetworkError.
func (s *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.clientID}, "client_secret": {s.clientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, &NetworkError{Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", s.c.userAgent)
	status, _, body, err := s.c.do(req)
	if err != nil {
		return "", 0, err
	}
	var a tokenAnswer
	jsonErr := json.Unmarshal(body, &a)
	switch {
	case status == http.StatusOK && jsonErr == nil && a.AccessToken != "" && a.ExpiresIn > 0:
		return a.AccessToken, time.Duration(a.ExpiresIn) * time.Second, nil
	case status != http.StatusOK && jsonErr == nil && a.Error != "":
		return "", 0, &APIError{Status: status, Code: a.Error, Message: a.ErrorDescription}
	default:
		return "", 0, &APIError{Status: status, Code: CodeUnexpectedResponse,
			Message: fmt.Sprintf("HTTP %d from the token endpoint without an OAuth token or error", status)}
	}
}

// OAuthURLAnswer is the answer of OAuthURL.
type OAuthURLAnswer struct {
	// URL is the token endpoint.
	URL string
	// Raw is the whole decoded answer.
	Raw map[string]any
}

// OAuthURL asks the server for its OAuth token endpoint (GET oauth_url,
// login_type=client_credentials). The call is unauthenticated; its answer
// is verified like any other, since a forged URL would collect the
// client secret.
func (c *Client) OAuthURL(ctx context.Context) (*OAuthURLAnswer, error) {
	body, _, err := c.send(ctx, http.MethodGet, "oauth_url", map[string]any{"login_type": "client_credentials"},
		callOpts{retry: idempotent, public: true})
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if json.Unmarshal(body, &raw) != nil {
		return nil, unexpected("the answer is not an oauth_url object")
	}
	u, _ := raw["url"].(string)
	if !isHTTPURL(u) {
		return nil, unexpected("oauth_url did not name an http(s) URL")
	}
	return &OAuthURLAnswer{URL: u, Raw: raw}, nil
}
