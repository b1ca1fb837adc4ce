package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/pgtest"
)

// Postgres reports whether the server runs on PostgreSQL.
func (s *Server) Postgres() bool { return s.Config.DatabaseURL != "" }

// OtherConfig is the configuration another process (the CLI, a second
// instance) would use to open this server's database.
func (s *Server) OtherConfig() app.Config {
	c := s.Config
	c.Existing = true
	c.Log = nil
	return c
}

// OpenOther opens this server's database as another process would.
func (s *Server) OpenOther(t testing.TB) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), s.OtherConfig())
	if err != nil {
		t.Fatalf("open the database as another process: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// DB is a plain connection to the server's database, for tests that look
// at rows or hold locks behind licensor's back.
func (s *Server) DB(t testing.TB) *sql.DB {
	t.Helper()
	if s.Postgres() {
		return pgtest.Open(t, s.Config.DatabaseURL)
	}
	db, err := sql.Open("sqlite", "file:"+app.DatabasePath(s.DataDir)+"?_pragma=busy_timeout(5000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// HoldWriteLock blocks every write to the tables licensing writes until
// release is called: SQLite's database write lock, or PostgreSQL table
// locks that still let readers through.
func (s *Server) HoldWriteLock(t testing.TB) (release func()) {
	t.Helper()
	tx, err := s.DB(t).Begin() // SQLite: BEGIN IMMEDIATE takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	if s.Postgres() {
		if _, err := tx.Exec(`LOCK TABLE licenses, devices, throttle_windows IN EXCLUSIVE MODE`); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		if err := tx.Rollback(); err != nil {
			t.Errorf("release the write lock: %v", err)
		}
	}
}

// PostgresTableSums hashes every row of every table of the server's
// PostgreSQL database, per table, in one query, so that a test can assert
// a request changed nothing.
func PostgresTableSums(t testing.TB, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf(`SELECT '%s', md5(COALESCE(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM %q t`, name, name))
	}
	rows.Close()
	rows, err = db.Query(strings.Join(parts, " UNION ALL "))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	sums := map[string]string{}
	for rows.Next() {
		var name, sum string
		if err := rows.Scan(&name, &sum); err != nil {
			t.Fatal(err)
		}
		sums[name] = sum
	}
	return sums
}
