// Package pgtest gives tests fresh, empty PostgreSQL databases on the
// throwaway cluster scripts/test starts (LICENSOR_TEST_POSTGRES), and tells
// which engine the suite runs on (LICENSOR_TEST_ENGINE=postgres or sqlite,
// the default), so that the same tests run on both engines.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// EnvAdminURL names the variable holding a superuser URL of the cluster,
// e.g. postgres://postgres@127.0.0.1:54329/postgres.
const EnvAdminURL = "LICENSOR_TEST_POSTGRES"

// EnvEngine names the variable choosing the engine: "postgres" or
// "sqlite" (the default).
const EnvEngine = "LICENSOR_TEST_ENGINE"

// Enabled reports whether the suite runs on PostgreSQL.
func Enabled() bool { return os.Getenv(EnvEngine) == "postgres" }

// NewDatabase creates an empty database for this test, dropped when it
// ends, and returns its URL when the suite runs on PostgreSQL; "" when it
// runs on SQLite.
func NewDatabase(t testing.TB) string {
	t.Helper()
	if !Enabled() {
		return ""
	}
	return NewPostgresDatabase(t)
}

// NewPostgresDatabase creates an empty database on the test cluster
// whatever the engine under test, for tests that involve both (db copy).
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvAdminURL)
	if admin == "" {
		t.Fatalf("this test needs a PostgreSQL cluster: set %s to a superuser URL (scripts/test starts a throwaway one)", EnvAdminURL)
	}
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		t.Fatalf("%s: %v", EnvAdminURL, err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "licensor_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { drop(admin, name) })
	return replaceDatabase(admin, name)
}

func drop(admin, name string) {
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		return
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
}

// replaceDatabase swaps the database name in a postgres:// URL.
func replaceDatabase(url, name string) string {
	rest, query, _ := strings.Cut(url, "?")
	scheme, hostpath, _ := strings.Cut(rest, "://")
	host, _, _ := strings.Cut(hostpath, "/")
	out := scheme + "://" + host + "/" + name
	if query != "" {
		out += "?" + query
	}
	return out
}

// Open opens a *sql.DB on url (for tests that inspect a database).
func Open(t testing.TB, url string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { db.Close() })
	return db
}
