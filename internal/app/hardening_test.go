package app_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/testkit"
)

// A data directory whose secret.key went missing is not given a new secret:
// that would leave every sealed value (the signing key, API shared keys)
// unopenable, and hide the real problem.
func TestMissingSecretIsNotReplaced(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	a, err := app.Open(ctx, config(dir))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	secret := app.SecretPath(dir)
	kept, err := os.ReadFile(secret)
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.Remove(secret))
	for _, existing := range []bool{false, true} {
		cfg := config(dir)
		cfg.Existing = existing
		_, err := app.Open(ctx, cfg)
		if err == nil || !strings.Contains(err.Error(), "restore secret.key") || !strings.Contains(err.Error(), "LICENSOR_SECRET") {
			t.Fatalf("Open without secret.key (existing=%v) = %v", existing, err)
		}
		if _, err := os.Stat(secret); !os.IsNotExist(err) {
			t.Fatal("a new secret.key was written next to the database")
		}
	}
	// Restoring the file, or passing the secret, opens it again.
	cfg := config(dir)
	cfg.Secret = strings.TrimSpace(string(kept))
	b, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("with LICENSOR_SECRET: %v", err)
	}
	b.Close()
	must(t, os.WriteFile(secret, kept, 0o600))
	c, err := app.Open(ctx, config(dir))
	if err != nil {
		t.Fatalf("with secret.key restored: %v", err)
	}
	c.Close()
}

// The data directory is 0700 and the database files 0600 whatever the
// umask or the mode an existing directory had.
func TestDataFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.Chmod(dir, 0o777))
	a, err := app.Open(context.Background(), config(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, _, err := a.Service.Init(context.Background(), "c"); err != nil { // a write: the -wal and -shm files exist
		t.Fatal(err)
	}
	want := map[string]os.FileMode{dir: 0o700, app.SecretPath(dir): 0o600}
	for _, f := range []string{"", "-wal", "-shm"} {
		want[app.DatabasePath(dir)+f] = 0o600
	}
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s has mode %04o, want %04o", filepath.Base(p), got, mode)
		}
	}
}

// A flood of idle keep-alive connections past the cap does not lock out
// new clients or the health check.
func TestIdleConnectionFloodKeepsHealthAnswering(t *testing.T) {
	s := testkit.Start(t, func(c *app.Config) { c.MaxConnections = 50 })
	addr := strings.TrimPrefix(s.URL, "http://")
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range 300 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		held = append(held, c)
		if i%2 == 0 { // half of them idle after one request, half silent
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
				// Evicted before it was answered is fine; it was idle.
				continue
			}
		}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for range 5 {
		resp, err := client.Get(s.URL + "/healthz")
		if err != nil {
			t.Fatalf("healthz under a flood of %d connections: %v", len(held), err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("healthz = %d", resp.StatusCode)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
