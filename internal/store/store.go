// Package store is licensor's persistence: versioned SQL migrations and
// hand-written queries over database/sql. The SQL is shared by SQLite (the
// embedded default, pure-Go modernc driver) and PostgreSQL: placeholders are
// $N, which modernc binds by number, ids are BIGINT and times are Unix
// milliseconds. Engine differences are confined to Dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned (wrapped) when a looked-up row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned (wrapped) when an insert breaks a unique
// constraint, such as a duplicate product code or user email.
var ErrConflict = errors.New("store: already exists")

// Dialect names the SQL engine behind a Store.
type Dialect string

// The engines licensor supports.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is a handle on the database. Reads go to a pool of readers; writes
// and transactions go to the writer. On SQLite the writer is a single
// connection, so writers queue in Go instead of failing with SQLITE_BUSY.
type Store struct {
	dialect Dialect
	path    string // SQLite: the database file
	read    *sql.DB
	write   *sql.DB
	readQ   dbtx // queries outside a transaction
	writeQ  dbtx
	txdb    func(*sql.Tx) dbtx
	closers []func()
	changes changeTracker
	engine  engine
}

// engine is what differs between SQLite and PostgreSQL once connected:
// how this process learns which content its own transactions changed, and
// how it hears of other processes' changes (sqlite.go, postgres.go).
type engine interface {
	// pending reads, inside a transaction about to commit, which licenses
	// it changed (nil on engines that learn this after the commit).
	pending(ctx context.Context, tx *sql.Tx) (changeSet, error)
	// committed runs after each of this process's commits with what
	// pending returned.
	committed(ctx context.Context, cs changeSet)
	// watch delivers other processes' changes to the tracker until ctx
	// ends.
	watch(ctx context.Context)
	// ready reports whether change notification is working.
	ready() error
}

// Dialect reports the engine.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the pools.
func (s *Store) Close() error {
	for _, c := range s.closers {
		c()
	}
	if s.write == s.read {
		return s.read.Close()
	}
	return errors.Join(s.write.Close(), s.read.Close())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.read.PingContext(ctx) }

// Ready checks what a load balancer needs before it sends requests here:
// the database answers, its schema is the one this binary knows, and
// changes made by other instances reach this one's caches.
func (s *Store) Ready(ctx context.Context) error {
	var newest int64
	if err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return &notReady{"database unavailable", err}
	}
	if want := SchemaVersion(s.dialect); newest != want {
		return &notReady{fmt.Sprintf("database schema is version %d, this licensor needs %d", newest, want), nil}
	}
	if err := s.engine.ready(); err != nil {
		return &notReady{"change notification is down", err}
	}
	return nil
}

// notReady is Ready's error: a problem fit to show a load balancer, and the
// cause (which may name hosts) for the log.
type notReady struct {
	problem string
	cause   error
}

func (e *notReady) Error() string {
	if e.cause == nil {
		return e.problem
	}
	return e.problem + ": " + e.cause.Error()
}

func (e *notReady) Unwrap() error { return e.cause }

// ReadyProblem returns the part of a Ready error fit to show anyone.
func ReadyProblem(err error) string {
	var nr *notReady
	if errors.As(err, &nr) {
		return nr.problem
	}
	return "not ready"
}

// dbtx is what queries need: a pool or a transaction.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Queries runs licensor's SQL against a pool or a transaction.
type Queries struct {
	db      dbtx
	dialect Dialect
}

// Reader returns Queries on the read pool, for lookups outside a
// transaction.
func (s *Store) Reader() *Queries { return &Queries{db: s.readQ, dialect: s.dialect} }

// Writer returns Queries on the writer, for single-statement writes that
// change nothing the License API shows (activity records: a device seen,
// throttle failures, a re-hash). Changes to content go through WithTx, which
// lets this process's caches see them at once.
func (s *Store) Writer() *Queries { return &Queries{db: s.writeQ, dialect: s.dialect} }

// WithTx runs fn in a write transaction, committing if fn returns nil and
// rolling back otherwise.
func (s *Store) WithTx(ctx context.Context, fn func(q *Queries) error) (err error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(&Queries{db: s.txdb(tx), dialect: s.dialect}); err != nil {
		return err
	}
	changed, err := s.engine.pending(ctx, tx)
	if err != nil {
		return fmt.Errorf("read the transaction's changes: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	// Let this process's caches see its own change at once.
	s.engine.committed(ctx, changed)
	return nil
}

// ms converts a time to the stored form, Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// msPtr converts an optional time.
func msPtr(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// timePtr converts a stored optional time back.
func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

// fromMS converts a stored time back.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
