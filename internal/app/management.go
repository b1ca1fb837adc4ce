package app

import (
	"cmp"
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/licensor/licensor/internal/clientip"
	"github.com/licensor/licensor/internal/mgmtapi"
)

// managementAPI builds the vendor Management API (/api/v1).
func (a *App) managementAPI() *mgmtapi.API {
	return mgmtapi.New(a.Catalog, a.cfg.Log, mgmtapi.Config{
		TrustedProxies: clientip.Proxies(a.cfg.TrustedProxies),
		PublicURL:      a.cfg.PublicURL,
		RequestTimeout: a.cfg.RequestTimeout,
		Rate:           a.cfg.ManagementRate,
		Now:            a.cfg.Now,
	})
}

// managementOnMain reports whether /api/v1 is served on the main listener:
// on, and not moved to its own (--management-addr).
func (a *App) managementOnMain() bool { return !a.cfg.ManagementOff && a.cfg.ManagementAddr == "" }

// ManagementAddr is where the Management API listens on its own ("": on
// the main listener).
func (a *App) ManagementAddr() string {
	if a.cfg.ManagementOff {
		return ""
	}
	return a.cfg.ManagementAddr
}

// ServeManagement answers only the Management API on ln (an internal
// interface, say) until ctx ends; every other path is 404.
func (a *App) ServeManagement(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.managementAPI(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       cmp.Or(a.cfg.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      a.cfg.HashPool.MaxWait + 20*time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(a.cfg.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return srv.Close()
	}
	return nil
}
