package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/licensor/licensor/internal/pgtest"
)

// postgresDatabase returns the URL of a new, empty database, dropped at the
// end, a description of its cluster and the process id of its postmaster
// (0 when the cluster runs elsewhere). It uses the cluster of
// LICENSOR_TEST_POSTGRES (a superuser URL) when set; otherwise it starts a
// throwaway one with scripts/pg (root only), stopped at the end.
func postgresDatabase(b *testing.B) (url, about string, postmaster int) {
	b.Helper()
	origin := "cluster of " + pgtest.EnvAdminURL
	if os.Getenv(pgtest.EnvAdminURL) == "" {
		// Under /tmp, not b.TempDir(): the postgres user must reach it.
		dir, err := os.MkdirTemp("", "licensor-bench-pg.")
		if err != nil {
			b.Fatal(err)
		}
		out, err := exec.Command("../scripts/pg", "start", dir).Output()
		if err != nil {
			os.RemoveAll(dir)
			b.Fatalf("scripts/pg start: %v\n%s", err, stderrOf(err))
		}
		b.Cleanup(func() { _ = exec.Command("../scripts/pg", "stop", dir).Run() })
		b.Setenv(pgtest.EnvAdminURL, strings.TrimSpace(string(out)))
		origin = "throwaway cluster of scripts/pg"
	}
	url = pgtest.NewPostgresDatabase(b) // dropped before the cluster stops
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var version, fsync, syncCommit, fpw string
	var backend int
	if err := db.QueryRowContext(ctx, `SELECT current_setting('server_version'), current_setting('fsync'),
		current_setting('synchronous_commit'), current_setting('full_page_writes'), pg_backend_pid()`).Scan(
		&version, &fsync, &syncCommit, &fpw, &backend); err != nil {
		b.Fatal(err)
	}
	about = "PostgreSQL " + strings.Fields(version)[0] + ", " + origin + ": fsync=" + fsync +
		", synchronous_commit=" + syncCommit + ", full_page_writes=" + fpw
	// The backend is a process here only when the cluster runs here.
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", backend)); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
		postmaster = ppid(backend)
	}
	return url, about, postmaster
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// copyToPostgres moves the SQLite install in dataDir into the empty
// database url with `licensor db copy` (everything, the API credential and
// signing key included; the secret stays dataDir/secret.key), then runs
// VACUUM ANALYZE: what autovacuum does to freshly copied tables within a
// minute or so, done before measuring rather than during.
func copyToPostgres(b *testing.B, bin, dataDir, url string) {
	b.Helper()
	if out, err := exec.Command(bin, "db", "copy", "--from", dataDir, "--to", url).CombinedOutput(); err != nil {
		b.Fatalf("db copy: %v\n%s", err, out)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	if _, err := db.Exec("VACUUM ANALYZE"); err != nil {
		b.Fatalf("vacuum analyze: %v", err)
	}
}

// startLicensor runs `licensor serve` with default settings but the
// request rate limits off (all the load comes from one address) and args,
// waits until /readyz answers 200, and returns its URL, process id and how
// to stop it.
func startLicensor(b *testing.B, bin string, args ...string) (string, int, func()) {
	b.Helper()
	addr := freeAddr(b)
	base := "http://" + addr
	pid, stopProcess := startProcess(b, base+"/readyz", bin, append([]string{"serve", "--addr", addr, "--rate-limits=false"}, args...)...)
	stop := sync.OnceFunc(stopProcess)
	b.Cleanup(stop) // if the benchmark stops early
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base, pid, stop
			}
		}
		if time.Now().After(deadline) {
			stop()
			b.Fatalf("licensor %v is not ready", args)
		}
	}
}
