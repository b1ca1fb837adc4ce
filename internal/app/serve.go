package app

import (
	"cmp"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/connlimit"
	"github.com/licensor/licensor/internal/licenseapi"
	"github.com/licensor/licensor/internal/mgmtapi"
	"github.com/licensor/licensor/internal/store"
)

// Handler returns the whole HTTP surface: the License API under /api/v4/,
// /healthz (the process answers) and /readyz (it can serve: the database
// answers with the schema this binary knows, and other instances' changes
// reach it).
func (a *App) Handler() http.Handler {
	verifier := auth.NewVerifier(a.Service.Credential, a.cfg.MaxSkew, a.cfg.Now).WithBearer(a.Service.BearerCredential)
	api := licenseapi.New(a.Service, verifier, a.Signer, a.cfg.Log, licenseapi.Config{
		MaxBodyBytes:       a.cfg.MaxBodyBytes,
		TrustedProxies:     a.cfg.TrustedProxies,
		PublicURL:          a.cfg.PublicURL,
		ResponseCacheBytes: a.cfg.ResponseCacheBytes,
		RateLimits:         a.cfg.RateLimits,
		RequestTimeout:     a.cfg.RequestTimeout,
		Now:                a.cfg.Now,
	})
	mgmt, mgmtHere := a.managementAPI(), a.managementOnMain()
	// Everything but the health check and the Management API, including unknown paths outside
	// /api/v4/, gets the License API's JSON 404/405. A plain switch rather
	// than a ServeMux: this sits in front of every request.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			switch r.URL.Path {
			case "/healthz":
				_, _ = w.Write([]byte("ok\n"))
				return
			case "/readyz":
				a.ready(w, r)
				return
			}
		}

		if mgmtHere && strings.HasPrefix(r.URL.Path, mgmtapi.Prefix) {
			mgmt.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully,
// letting requests in flight finish for up to 10 seconds. At most
// MaxConnections connections are open at once: past that the longest-idle
// one is closed to make room, so that a flood of idle keep-alive
// connections cannot exhaust the open-file limit or lock out new clients.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	conns := connlimit.New(maxConnections(a.cfg.MaxConnections, a.cfg.Log), a.cfg.Log)
	srv := &http.Server{
		Handler:           a.Handler(),
		ConnState:         conns.ConnState,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       cmp.Or(a.cfg.ReadTimeout, DefaultReadTimeout),
		// Long enough for a request that queued for a hashing slot
		// (HashPool.MaxWait) and then hashed.
		WriteTimeout:   a.cfg.HashPool.MaxWait + 20*time.Second,
		IdleTimeout:    90 * time.Second,
		MaxHeaderBytes: 32 << 10,
		ErrorLog:       slog.NewLogLogger(a.cfg.Log.Handler(), slog.LevelWarn),
	}
	mctx, stop := context.WithCancel(ctx)
	defer stop()
	go a.Service.RunMaintenance(mctx, time.Minute)
	// Changes made by the CLI or other instances reach this one's caches
	// (SQLite: polled every 50 ms; PostgreSQL: LISTEN); its own at once.
	go a.Store.WatchContent(mctx)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(conns.Listener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Clients kept sending: cut the remaining connections rather than
		// fail the stop.
		a.cfg.Log.Warn("requests still in flight after 10 s; closing their connections", "err", err)
		return srv.Close()
	}
	return nil
}

// readyTimeout bounds a readiness check, so that a load balancer's probe
// fails rather than hangs while the database does not answer.
const readyTimeout = 2 * time.Second

func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := a.Store.Ready(ctx); err != nil {
		a.cfg.Log.Debug("not ready", "err", err)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "not ready: "+store.ReadyProblem(err), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
