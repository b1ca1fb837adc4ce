package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"syscall"

	"github.com/licensor/licensor/internal/app"
)

func runServe(ctx context.Context, r *runner, args []string) error {
	s, err := envDefaults(r.env)
	if err != nil {
		return err
	}
	addr := "127.0.0.1:8080"
	if v := r.env("LICENSOR_ADDR"); v != "" {
		addr = v
	}
	fs := r.newFlagSet("serve")
	s.dataFlag(fs)
	s.serverFlags(fs)
	fs.StringVar(&addr, "addr", addr, "listen address; use :8080 to listen on every interface [LICENSOR_ADDR]")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	log, logs, err := s.logger(r)
	if err != nil {
		return err
	}
	defer logs.Close()
	cfg, err := s.appConfig(log)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Service.DefaultCompany(ctx); err != nil {
		log.Warn("no company yet: requests cannot be authorized until you run `licensor init`", "data", s.where())
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("licensor listening", "addr", ln.Addr().String(), "data", s.where(), "version", Version)
	mgmtErr := make(chan error, 1)
	if addr := a.ManagementAddr(); addr != "" {
		mln, err := net.Listen("tcp", addr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen (--management-addr): %w", err)
		}
		log.Info("management API listening", "addr", mln.Addr().String())
		go func() { mgmtErr <- a.ServeManagement(ctx, mln) }()
	} else {
		mgmtErr <- nil
	}
	if err := a.Serve(ctx, ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := <-mgmtErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("licensor stopped")
	return nil
}
