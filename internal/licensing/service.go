// Package licensing holds licensor's rules: who may do what to which license,
// in which order the checks run, and what each failure is called on the wire.
// It sits between the HTTP layer (licenseapi) and persistence (store), and
// returns *problem.Error for every outcome a client may see.
package licensing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/password"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/seal"
	"github.com/licensor/licensor/internal/sso"
	"github.com/licensor/licensor/internal/store"
)

// Config holds the tunable rules.
type Config struct {
	Throttle ThrottleConfig
	Trials   TrialLimit
	// TokenTTL is how long OAuth access tokens last (0: DefaultTokenTTL).
	TokenTTL time.Duration
	// SSO reaches customer accounts' OpenID providers (nil: one with
	// default timeouts and the service's clock).
	SSO *sso.Client
	// ExposeInitialPasswords is not here: it is a company setting
	// (companies.expose_initial_passwords), off by default.
}

// TrialLimit bounds the trials one client IP may be issued for one product
// in a window: trial_key creates a license per new device, and the API key
// that calls it ships inside every copy of the application.
type TrialLimit struct {
	PerIP  int           // default 20
	Window time.Duration // default 1 hour
}

// DefaultTrialLimit allows a classroom's worth of machines behind one
// address to start a trial within an hour.
var DefaultTrialLimit = TrialLimit{PerIP: 20, Window: time.Hour}

// ThrottleConfig limits failed credential checks over a sliding window.
type ThrottleConfig struct {
	PerUser int           // failures per (company, username); default 5
	PerIP   int           // failures per client IP; default 30
	Window  time.Duration // default 10 minutes
}

// DefaultThrottle is change-password.md's default: 5 per username and 30 per
// IP in 10 minutes.
var DefaultThrottle = ThrottleConfig{PerUser: 5, PerIP: 30, Window: 10 * time.Minute}

// Service applies licensor's rules. It is safe for concurrent use.
type Service struct {
	creds      credentialCache
	oauthCreds oauthCache
	tokens     tokenKeys
	store      *store.Store
	sso        *sso.Client
	hasher     *password.Hasher
	box        *seal.Box
	cfg        Config
	log        *slog.Logger
	now        func() time.Time
}

// New returns a Service. now may be nil (time.Now).
func New(st *store.Store, hasher *password.Hasher, box *seal.Box, cfg Config, log *slog.Logger, now func() time.Time) (*Service, error) {
	t := cfg.Throttle
	if t.PerUser < 1 || t.PerIP < 1 || t.Window <= 0 {
		return nil, errors.New("licensing: throttle limits and window must be positive")
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Trials == (TrialLimit{}) {
		cfg.Trials = DefaultTrialLimit
	}
	if cfg.Trials.PerIP < 1 || cfg.Trials.Window <= 0 {
		return nil, errors.New("licensing: the trial limit and its window must be positive")
	}
	if now == nil {
		now = time.Now
	}
	if cfg.SSO == nil {
		cfg.SSO = sso.New(nil, now)
	}
	return &Service{store: st, sso: cfg.SSO, hasher: hasher, box: box, cfg: cfg, log: log, now: now}, nil
}

// credentialCacheSize bounds the credentials kept in memory.
const credentialCacheSize = 4096

// credentialCache keeps unsealed credentials: every request needs its
// credential, and looking it up and unsealing it costs more than the rest
// of a cached check. An entry answers only while no change that may touch
// everything (a revocation, a new product scope) happened since it was
// read.
type credentialCache struct {
	mu sync.Mutex
	m  map[string]cachedCredential
}

type cachedCredential struct {
	c    *auth.Credential
	mark uint64
}

// Credential returns the live API credential for apiKey with its shared key
// unsealed, for request authorization.
func (s *Service) Credential(ctx context.Context, apiKey string) (*auth.Credential, error) {
	s.creds.mu.Lock()
	e, ok := s.creds.m[apiKey]
	s.creds.mu.Unlock()
	if ok && s.store.Fresh(e.mark) {
		return e.c, nil
	}
	mark := s.store.Mark() // before reading, so a change during the read is not missed
	c, err := s.loadCredential(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	s.creds.mu.Lock()
	if s.creds.m == nil || len(s.creds.m) >= credentialCacheSize {
		s.creds.m = make(map[string]cachedCredential)
	}
	s.creds.m[apiKey] = cachedCredential{c: c, mark: mark}
	s.creds.mu.Unlock()
	return c, nil
}

func (s *Service) loadCredential(ctx context.Context, apiKey string) (*auth.Credential, error) {
	c, err := s.store.Reader().LiveCredential(ctx, apiKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, auth.ErrUnknownKey
	}
	if err != nil {
		return nil, err
	}
	key, err := s.box.Open(c.SharedKeySealed, credentialAAD(c.APIKey))
	if err != nil {
		return nil, fmt.Errorf("unseal shared key of credential %d: %w", c.ID, err)
	}
	products, err := s.store.Reader().CredentialProducts(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return &auth.Credential{ID: c.ID, CompanyID: c.CompanyID, APIKey: c.APIKey, SharedKey: key, AllowedProducts: products}, nil
}

// RunMaintenance prunes throttle windows that are over every interval until
// ctx ends.
func (s *Service) RunMaintenance(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.pruneThrottles(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("prune throttle windows", "err", err)
			}
		}
	}
}

func credentialAAD(apiKey string) string { return "api_credential:" + apiKey }

func initialPasswordAAD(companyID int64, email string) string {
	return fmt.Sprintf("license_user:%d:%s", companyID, store.NormalizeEmail(email))
}

// errUserNotFound is the single answer for an unknown user, an inactive user
// and a wrong password, so that usernames cannot be probed (license-api.md
// §6.1).
func errUserNotFound() error {
	return problem.New(problem.CodeUserNotFound, "license user not found or the password is wrong")
}

func errServerBusy(retry time.Duration) error {
	return &problem.Error{Code: problem.CodeServerBusy, Message: "the server is busy, retry later", RetryAfter: retry}
}

// Mark and Fresh let caches of responses follow changes (store.Mark,
// store.Fresh): take a mark before reading, and an answer built from the
// given licenses is fresh while nothing touching them changed since.
func (s *Service) Mark() uint64 { return s.store.Mark() }

// Fresh: see Mark.
func (s *Service) Fresh(mark uint64, licenses ...int64) bool { return s.store.Fresh(mark, licenses...) }
