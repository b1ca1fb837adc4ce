package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/pgtest"
	"github.com/licensor/licensor/internal/seal"
	"github.com/licensor/licensor/internal/testkit"
)

// The database URL carries a password: -h never shows it (even when it
// comes from the environment), and neither does a failure to parse it or
// to connect.
func TestDatabaseURLIsNeverShown(t *testing.T) {
	e := newEnv(t.TempDir())
	e["LICENSOR_DATABASE_URL"] = "postgres://licensor:hunter2@127.0.0.1:1/licensor?connect_timeout=2"
	e["LICENSOR_SECRET"] = testkit.TestSecret
	for _, args := range [][]string{{"serve", "-h"}, {"init", "-h"}, {"company", "show", "-h"}, {"db", "copy", "-h"}} {
		r := run(e, args...)
		if r.code != 0 || !strings.Contains(r.stderr, "-database-url") && args[0] != "db" {
			t.Fatalf("licensor %v: exit %d\n%s", args, r.code, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, "hunter2") {
			t.Fatalf("licensor %v shows the database password:\n%s", args, r.stderr)
		}
	}
	r := run(e, "company", "show")
	if r.code == 0 || !strings.Contains(r.stderr, "PostgreSQL") || strings.Contains(r.stderr, "hunter2") {
		t.Fatalf("an unreachable database: exit %d, stderr %q", r.code, r.stderr)
	}
	e["LICENSOR_DATABASE_URL"] = "postgres://licensor:hunter2@[::1"
	fails(t, e, 1, "not a valid PostgreSQL URL", "company", "show")
	if r := run(e, "company", "show"); strings.Contains(r.stderr, "hunter2") {
		t.Fatalf("an unparsable URL is echoed: %q", r.stderr)
	}
}

// With a database URL the secret must be given; the data directory is not
// touched; SQLite's backup commands point at PostgreSQL's tools.
func TestPostgresNeedsTheSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e := newEnv(dir)
	e["LICENSOR_DATABASE_URL"] = pgtest.NewPostgresDatabase(t)
	fails(t, e, 1, "LICENSOR_SECRET or --secret-file", "init")
	secret := filepath.Join(t.TempDir(), "secret.key")
	ok(t, env{}, "secret", "new", "--out", secret, "--json")
	e["LICENSOR_SECRET_FILE"] = secret
	ok(t, e, "init", "--json")
	ok(t, e, "product", "create", "--code", "P", "--name", "P", "--json")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("commands on PostgreSQL created the data directory (%v)", err)
	}
	fails(t, e, 2, "pg_dump", "backup", "--to", filepath.Join(t.TempDir(), "b.db"))
	fails(t, e, 2, "pg_dump", "restore", "--from", filepath.Join(t.TempDir(), "b.db"))
	other := filepath.Join(t.TempDir(), "other.key")
	ok(t, env{}, "secret", "new", "--out", other, "--json")
	e["LICENSOR_SECRET_FILE"] = other
	fails(t, e, 1, "is this the server secret", "company", "show")
}

// secret new prints a fresh secret, or writes it to a new 0600 file and
// never over an existing one.
func TestSecretNew(t *testing.T) {
	a, b := run(env{}, "secret", "new"), run(env{}, "secret", "new")
	if a.code != 0 || a.stdout == b.stdout {
		t.Fatalf("secret new: %+v %+v", a, b)
	}
	if _, err := seal.ParseSecret(a.stdout); err != nil {
		t.Fatalf("secret new printed %q: %v", a.stdout, err)
	}
	file := filepath.Join(t.TempDir(), "s.key")
	r := run(env{}, "secret", "new", "--out", file)
	fi, err := os.Stat(file)
	if r.code != 0 || err != nil || fi.Mode().Perm() != 0o600 || strings.Contains(r.stdout, strings.TrimSpace(a.stdout)) {
		t.Fatalf("secret new --out: %+v, %v %v", r, fi, err)
	}
	written, _ := os.ReadFile(file)
	if strings.Contains(r.stdout+r.stderr, strings.TrimSpace(string(written))) {
		t.Fatal("secret new --out printed the secret it wrote")
	}
	fails(t, env{}, 1, "already exists", "secret", "new", "--out", file)
	if again, _ := os.ReadFile(file); string(again) != string(written) {
		t.Fatal("secret new --out changed an existing file")
	}
}
