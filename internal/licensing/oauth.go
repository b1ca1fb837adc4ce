package licensing

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// OAuth client credentials (license-api.md §2.2, §6.2). licensor is its own
// token endpoint: a client trades its client_id and secret for an access
// token, "lsa1.<claims>.<HMAC-SHA256>", signed with a key kept sealed in the
// database so that every instance issues and accepts the same tokens. The
// token names the client and when it expires; everything else (the
// company, the scope, whether the client was revoked) is read from the
// client's row, so a revocation takes effect before the token expires.

// DefaultTokenTTL is how long an access token lasts, as LicenseSpring's.
const DefaultTokenTTL = 480 * time.Second

// ErrInvalidClient is an unknown client, a revoked one, or a wrong secret
// (RFC 6749 §5.2 invalid_client).
var ErrInvalidClient = errors.New("licensing: invalid OAuth client")

const tokenPrefix = "lsa1."

type tokenClaims struct {
	Client  int64  `json:"c"`
	Expires int64  `json:"e"` // Unix seconds
	Nonce   string `json:"n"`
}

// tokenKeys caches the token-signing key once loaded.
type tokenKeys struct {
	mu  sync.Mutex
	key []byte
}

const tokenKeyName = "oauth-token"

// tokenKey loads the token-signing key; with create, it is made on first
// use (once across instances). Without, a missing key is ErrNotFound: no
// token was ever issued, and checking a forged one must write nothing.
func (s *Service) tokenKey(ctx context.Context, create bool) ([]byte, error) {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	if s.tokens.key != nil {
		return s.tokens.key, nil
	}
	aad := "server_key:" + tokenKeyName
	k, err := s.store.Reader().ServerKey(ctx, tokenKeyName)
	if errors.Is(err, store.ErrNotFound) && create {
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, err
		}
		if _, err := s.store.Writer().InsertServerKeyIfAbsent(ctx, store.ServerKey{Name: tokenKeyName, Algorithm: "HMAC-SHA256",
			PrivateSealed: s.box.Seal(fresh, aad), CreatedAt: s.now()}); err != nil {
			return nil, err
		}
		k, err = s.store.Writer().ServerKey(ctx, tokenKeyName)
	}
	if err != nil {
		return nil, err
	}
	key, err := s.box.Open(k.PrivateSealed, aad)
	if err != nil {
		return nil, fmt.Errorf("open the OAuth token key: %w", err)
	}
	s.tokens.key = key
	return key, nil
}

func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func sameHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// IssueToken checks a client's credentials and returns an access token
// and how long it lasts.
func (s *Service) IssueToken(ctx context.Context, clientID, secret string) (string, time.Duration, error) {
	c, err := s.store.Reader().LiveOAuthClient(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return "", 0, ErrInvalidClient
	}
	if err != nil {
		return "", 0, err
	}
	now := s.now()
	h := secretHash(secret)
	current := sameHash(h, c.SecretHash)
	previous := c.PreviousSecretHash != "" && c.PreviousValidUntil != nil && now.Before(*c.PreviousValidUntil) && sameHash(h, c.PreviousSecretHash)
	if !current && !previous {
		return "", 0, ErrInvalidClient
	}
	key, err := s.tokenKey(ctx, true)
	if err != nil {
		return "", 0, err
	}
	ttl := s.cfg.TokenTTL
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil {
		return "", 0, err
	}
	claims, _ := json.Marshal(tokenClaims{Client: c.ID, Expires: now.Add(ttl).Unix(), Nonce: base64.RawURLEncoding.EncodeToString(nonce)})
	body := tokenPrefix + base64.RawURLEncoding.EncodeToString(claims)
	return body + "." + tokenMAC(key, body), ttl, nil
}

func tokenMAC(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func errTokenMalformed(why string) error {
	return problem.New(problem.CodeOAuthTokenMalformed, "the bearer token is not valid: "+why)
}

// BearerCredential turns an access token into the credential of its
// client (auth.BearerLookup).
func (s *Service) BearerCredential(ctx context.Context, token string) (*auth.Credential, error) {
	body, mac, ok := strings.Cut(strings.TrimPrefix(token, tokenPrefix), ".")
	if !strings.HasPrefix(token, tokenPrefix) || !ok || len(token) > 512 {
		return nil, errTokenMalformed("not a token licensor issued")
	}
	key, err := s.tokenKey(ctx, false)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errTokenMalformed("not a token licensor issued")
	}
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(tokenMAC(key, tokenPrefix+body)), []byte(mac)) {
		return nil, errTokenMalformed("not a token licensor issued")
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	var claims tokenClaims
	if err != nil || json.Unmarshal(raw, &claims) != nil || claims.Client <= 0 {
		return nil, errTokenMalformed("unreadable claims")
	}
	if !s.now().Before(time.Unix(claims.Expires, 0)) {
		return nil, problem.New(problem.CodeOAuthTokenExpired, "the bearer token has expired: get a new one")
	}
	return s.oauthCredential(ctx, claims.Client)
}

// oauthCredential returns the live client as a credential, from a cache
// that any change to OAuth clients (a revocation) empties.
func (s *Service) oauthCredential(ctx context.Context, id int64) (*auth.Credential, error) {
	s.oauthCreds.mu.Lock()
	e, ok := s.oauthCreds.m[id]
	s.oauthCreds.mu.Unlock()
	if ok && s.store.Fresh(e.mark) {
		return e.c, nil
	}
	mark := s.store.Mark()
	c, err := s.store.Reader().LiveOAuthClientByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errTokenMalformed("the OAuth client was revoked")
	}
	if err != nil {
		return nil, err
	}
	cred := &auth.Credential{CompanyID: c.CompanyID, OAuthClientID: c.ID}
	if c.LicenseID != nil {
		cred.ScopeLicenseID = *c.LicenseID
	}
	if c.CustomerID != nil {
		cred.ScopeCustomerID = *c.CustomerID
	}
	s.oauthCreds.mu.Lock()
	if s.oauthCreds.m == nil || len(s.oauthCreds.m) >= credentialCacheSize {
		s.oauthCreds.m = make(map[int64]cachedOAuth)
	}
	s.oauthCreds.m[id] = cachedOAuth{c: cred, mark: mark}
	s.oauthCreds.mu.Unlock()
	return cred, nil
}

type oauthCache struct {
	mu sync.Mutex
	m  map[int64]cachedOAuth
}

type cachedOAuth struct {
	c    *auth.Credential
	mark uint64
}
