// Package licenseapi serves the License API v4 (license-api.md) under /api/v4/:
// routing, request authorization, body decoding, response signing and the
// one place where errors become {status, code, message}.
package licenseapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/signing"
)

// DefaultMaxBodyBytes is the request body limit (change-password.md row 8).
const DefaultMaxBodyBytes = 64 << 10

// Config tunes the HTTP layer.
type Config struct {
	// MaxBodyBytes limits request bodies; larger ones get 413.
	MaxBodyBytes int64
	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// when finding the client IP (for throttling and the audit log).
	TrustedProxies []netip.Prefix
	// ResponseCacheBytes bounds the check response cache (0: the default;
	// negative: no cache).
	ResponseCacheBytes int
	// RateLimits limit requests per address, company and credential.
	RateLimits RateLimits
	// RequestTimeout bounds how long a request may wait for the database
	// and the hashing pool; past it the answer is 503 server_busy
	// (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// PublicURL is the URL clients reach the server at (scheme, host,
	// optional port), announced by .well-known; empty: the request's own.
	PublicURL string
	// Now is the clock of the rate limits (nil: time.Now).
	Now func() time.Time
}

// DefaultRequestTimeout is long enough for a request that queued for a
// hashing slot (10 s by default) and then hashed twice.
const DefaultRequestTimeout = 30 * time.Second

// API is the License API handler set. Every dependency is passed to New.
type API struct {
	svc      *licensing.Service
	verifier *auth.Verifier
	signer   *signing.Signer
	log      *slog.Logger
	cfg      Config
	routes   map[string]map[string]route // path → method → route
	cache    *responseCache
	limits   limiters
}

// New returns the http.Handler for /api/v4/.
func New(svc *licensing.Service, verifier *auth.Verifier, signer *signing.Signer, log *slog.Logger, cfg Config) http.Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.ResponseCacheBytes == 0 {
		cfg.ResponseCacheBytes = DefaultResponseCacheBytes
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &API{svc: svc, verifier: verifier, signer: signer, log: log, cfg: cfg, cache: newResponseCache(cfg.ResponseCacheBytes, svc.Fresh),
		limits: newLimiters(cfg.RateLimits, cfg.Now)}
	a.routes = make(map[string]map[string]route)
	for _, rt := range a.routeTable() {
		if a.routes[rt.path] == nil {
			a.routes[rt.path] = make(map[string]route)
		}
		a.routes[rt.path][rt.method] = rt
	}
	return a.recoverer(http.HandlerFunc(a.serve))
}
