// Package store is licensor's persistence: versioned SQL migrations and
// hand-written queries over database/sql. The SQL is shared by SQLite (the
// embedded default, pure-Go modernc driver) and PostgreSQL: placeholders are
// $N, which modernc binds by number, ids are BIGINT and times are Unix
// milliseconds. Engine differences are confined to Dialect.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
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
	readers *preparedPool
	writers *preparedPool
	content contentGeneration
}

// SQLiteOptions tune the embedded database.
type SQLiteOptions struct {
	// Synchronous is "full" (the default) or "normal". With full, every
	// committed transaction is on disk before the client is answered; with
	// normal, WAL mode syncs only at checkpoints, so an OS crash or power
	// loss can roll back writes that were answered (a process crash
	// cannot). Normal costs less per write.
	Synchronous string
	// BusyTimeout is how long a writer waits for a lock held by another
	// process (the CLI, a backup) before the write fails as busy; default
	// 10 s.
	BusyTimeout time.Duration
}

// OpenSQLite opens (creating if needed) the SQLite database at path in WAL
// mode. The database and its -wal and -shm files are readable by the
// owner only, whatever the umask.
func OpenSQLite(ctx context.Context, path string, opts SQLiteOptions) (*Store, error) {
	sync := strings.ToUpper(cmp.Or(opts.Synchronous, "full"))
	if sync != "FULL" && sync != "NORMAL" {
		return nil, fmt.Errorf("sqlite synchronous mode %q: use full or normal", opts.Synchronous)
	}
	busy := cmp.Or(opts.BusyTimeout, 10*time.Second)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	// Pragmas go in the DSN so that every pooled connection gets them.
	// _txlock=immediate takes the write lock at BEGIN, so a transaction
	// never fails half-way on lock upgrade.
	base := fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(%s)&_pragma=foreign_keys(1)",
		path, busy.Milliseconds(), sync)
	write, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	n := max(4, 2*runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	s := &Store{dialect: SQLite, path: path, read: read, write: write, readers: newPreparedPool(read), writers: newPreparedPool(write)}
	// Open the writer first so the file and WAL exist before readers
	// (query_only connections cannot create them).
	if err := write.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := read.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

// createPrivate makes sure the database file exists with mode 0600 before
// SQLite opens it: SQLite creates the file with the process umask (0644
// typically) and gives the -wal and -shm files the mode of the database
// file. Files left 0644 by an older licensor are tightened too.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restrict %s: %w", p, err)
		}
	}
	return nil
}

// Dialect reports the engine.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes both pools.
func (s *Store) Close() error {
	s.readers.close()
	s.writers.close()
	return errors.Join(s.write.Close(), s.read.Close())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.read.PingContext(ctx) }

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
func (s *Store) Reader() *Queries { return &Queries{db: s.readers, dialect: s.dialect} }

// Writer returns Queries on the writer, for single-statement writes that
// change nothing the License API shows (activity records: a device seen,
// throttle failures, a re-hash). Changes to content go through WithTx, which
// lets this process's caches see them at once.
func (s *Store) Writer() *Queries { return &Queries{db: s.writers, dialect: s.dialect} }

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
	if err = fn(&Queries{db: preparedTx{tx: tx, pool: s.writers}, dialect: s.dialect}); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	// Let this process's caches see its own change at once. A failure here
	// moves the generation on, which is always safe.
	_ = s.RefreshGeneration(ctx)
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
