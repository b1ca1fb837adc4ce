// Package mgmtapi serves the vendor Management API under /api/v1
// (management-api.md): management-key authentication, one error shape,
// strict bodies and queries, paged lists. Handlers decode and validate;
// the operations themselves are the catalog package's, which the CLI
// shares.
package mgmtapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/clientip"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/ratelimit"
	"github.com/licensor/licensor/internal/store"
)

// Prefix is where the Management API is served.
const Prefix = "/api/v1/"

// DefaultMaxBodyBytes bounds a request body (--management-max-body).
const DefaultMaxBodyBytes = 1 << 20

// Config holds the API's settings.
type Config struct {
	MaxBodyBytes   int64
	TrustedProxies clientip.Proxies
	PublicURL      string // the base of next/previous links; "" for the request's
	RequestTimeout time.Duration
	// Rate limits each management key (management-api.md §1.14): the
	// zero Rule is DefaultRate; a Rule with Limit < 0 turns it off.
	Rate ratelimit.Rule
	Now  func() time.Time
}

// DefaultRate is 100 requests a second per key, bursts of 200.
var DefaultRate = ratelimit.Rule{Limit: 200, Window: 2 * time.Second}

// API is the Management API handler.
type API struct {
	cat    *catalog.Catalog
	cfg    Config
	log    *slog.Logger
	routes []route
	limit  *ratelimit.Limiter
}

// New returns the Management API over cat.
func New(cat *catalog.Catalog, log *slog.Logger, cfg Config) *API {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rate == (ratelimit.Rule{}) {
		cfg.Rate = DefaultRate
	}
	a := &API{cat: cat, cfg: cfg, log: log, limit: ratelimit.New(cfg.Rate, 0, cfg.Now)}
	a.routes = a.routeTable()
	return a
}

// call is one authenticated request as a handler sees it.
type call struct {
	w         http.ResponseWriter
	r         *http.Request
	principal *catalog.Principal
	ids       []int64 // the {id} segments of the path, in order
}

// actor is who the call acts as, for the audit log.
func (a *API) actor(c *call) catalog.Actor {
	return catalog.Actor{CompanyID: c.principal.CompanyID, ManagementKeyID: c.principal.KeyID, ClientIP: a.clientIP(c.r)}
}

func (a *API) clientIP(r *http.Request) string { return a.cfg.TrustedProxies.ClientIP(r) }

// ServeHTTP answers /api/v1/… in the order of checks of
// management-api.md §1.11.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := a.cfg.Now()
	sw := &statusWriter{ResponseWriter: w}
	defer func() { a.logRequest(r, sw, a.cfg.Now().Sub(start)) }()
	ctx, cancel := context.WithTimeout(r.Context(), a.cfg.RequestTimeout)
	defer cancel()
	r = r.WithContext(ctx)

	if serveOpenAPI(sw, r) {
		return
	}
	matches, ids := a.match(r.URL.Path)
	if len(matches) == 0 {
		a.writeError(sw, r, problem.New(problem.CodeNotFound, "no such endpoint"))
		return
	}
	p, err := a.authenticate(r)
	if err != nil {
		if pe, ok := problem.As(err); ok && (pe.Code == codeAuthenticationRequired || pe.Code == problem.CodeInvalidAPIKey) {
			sw.Header().Set("WWW-Authenticate", `Api-Key realm="licensor"`)
		}
		a.writeError(sw, r, err)
		return
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	var rt *route
	for _, m := range matches {
		if m.method == method {
			rt = m
		}
	}
	if rt == nil {
		sw.Header().Set("Allow", allowed(matches))
		a.writeError(sw, r, problem.New(problem.CodeMethodNotAllowed, "method "+clip(r.Method)+" is not allowed here"))
		return
	}
	if p.ReadOnly && method != http.MethodGet {
		a.writeError(sw, r, problem.New(codePermissionDenied, "this management key is read-only"))
		return
	}
	if a.cfg.Rate.Enabled() {
		if ok, wait := a.limit.Allow(p.Prefix); !ok {
			pe := problem.New(problem.CodeTooManyRequests, "this management key sent too many requests; retry later")
			pe.RetryAfter = max(wait, time.Second)
			a.writeError(sw, r, pe)
			return
		}
	}
	if err := a.checkBody(sw, r); err != nil {
		a.writeError(sw, r, err)
		return
	}
	c := &call{w: sw, r: r, principal: p, ids: ids}
	h := rt.h
	if key := r.Header.Get("Idempotency-Key"); key != "" && method != http.MethodGet {
		h = func(c *call) error { return a.serveIdempotent(c, rt.h, key) }
	}
	if err := h(c); err != nil {
		a.writeError(sw, r, err)
	}
}

// authenticate reads `Authorization: Api-Key <key>` (management-api.md
// §2.2).
func (a *API) authenticate(r *http.Request) (*catalog.Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, key, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Api-Key") {
		return nil, problem.New(codeAuthenticationRequired, "send Authorization: Api-Key <management key>")
	}
	p, err := a.cat.Authenticate(r.Context(), strings.TrimSpace(key))
	if errors.Is(err, catalog.ErrBadKey) {
		return nil, problem.New(problem.CodeInvalidAPIKey, "the management key is not valid")
	}
	return p, err
}

// checkBody applies the body limit and content type (management-api.md
// §1.3) before any handler reads it.
func (a *API) checkBody(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength > a.cfg.MaxBodyBytes {
		return problem.Newf(problem.CodeRequestTooLarge, "the body is larger than %d bytes", a.cfg.MaxBodyBytes)
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes)
	if ct := r.Header.Get("Content-Type"); ct != "" && r.ContentLength != 0 && !isJSONType(ct) {
		return problem.New(codeUnsupportedMediaType, "the body must be application/json")
	}
	return nil
}

func isJSONType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

// clip bounds untrusted text placed in a message or a log.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// statusCode of a store-level failure a handler did not classify.
func classify(ctx context.Context, err error) *problem.Error {
	switch {
	case store.IsBusy(err), errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &problem.Error{Code: problem.CodeServerBusy, Message: "the server is busy, retry later", RetryAfter: time.Second, Cause: err}
	case errors.Is(err, store.ErrNotFound):
		return &problem.Error{Code: problem.CodeNotFound, Message: "not found", Cause: err}
	}
	return &problem.Error{Code: problem.CodeInternalError, Message: "internal server error", Cause: err}
}
