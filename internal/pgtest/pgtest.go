// Package pgtest gives tests a fresh, empty PostgreSQL database when the
// test command runs the suite on PostgreSQL (LICENSOR_TEST_POSTGRES names a
// throwaway cluster that scripts/test starts), so that the same tests run
// on both engines.
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

// Enabled reports whether the suite runs on PostgreSQL.
func Enabled() bool { return os.Getenv(EnvAdminURL) != "" }

// NewDatabase creates an empty database for this test, dropped when it
// ends, and returns its URL; "" when the suite runs on SQLite.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvAdminURL)
	if admin == "" {
		return ""
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
