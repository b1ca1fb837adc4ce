// Command txbase is the baseline of licensor's write benchmarks: the
// smallest net/http server that runs one single-row write transaction per
// POST, on the engine licensor uses, and answers 200. Any other request is
// answered without touching the database (the benchmark's health probe).
//
//	txbase ADDR sqlite PATH   # modernc.org/sqlite, WAL, synchronous=FULL, one writer connection
//	txbase ADDR postgres URL  # pgx stdlib
//
// Each POST runs BEGIN; UPDATE bench_counters SET n = n + 1 WHERE id = $1;
// COMMIT with id taken in turn over rows rows, as licensor's write loads
// take licenses in turn.
package main

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

const rows = 500

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: txbase ADDR sqlite|postgres PATH|URL")
		os.Exit(2)
	}
	addr, engine, dsn := os.Args[1], os.Args[2], os.Args[3]
	driver := "pgx"
	if engine == "sqlite" {
		// As licensor's writer: busy timeout, WAL, synchronous FULL, the
		// write lock taken at BEGIN, one connection.
		driver = "sqlite"
		dsn = "file:" + dsn + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		fail(err)
	}
	if engine == "sqlite" {
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(64)
	}
	db.SetMaxIdleConns(64)
	db.SetConnMaxLifetime(0)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS bench_counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)`); err != nil {
		fail(err)
	}
	for id := 1; id <= rows; id++ {
		if _, err := db.Exec(`INSERT INTO bench_counters (id, n) VALUES ($1, 0) ON CONFLICT (id) DO NOTHING`, id); err != nil {
			fail(err)
		}
	}
	var next atomic.Int64
	err = http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPost {
			id := next.Add(1)%rows + 1
			if err := bump(r, db, id); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	}))
	fail(err)
}

// bump is the transaction: BEGIN, one UPDATE, COMMIT.
func bump(r *http.Request, db *sql.DB, id int64) error {
	tx, err := db.BeginTx(r.Context(), nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(r.Context(), `UPDATE bench_counters SET n = n + 1 WHERE id = $1`, id); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
