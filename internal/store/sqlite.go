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
	"sync"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

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
	readers, writers := newPreparedPool(read), newPreparedPool(write)
	s := &Store{dialect: SQLite, path: path, read: read, write: write, readQ: readers, writeQ: writers,
		txdb:    func(tx *sql.Tx) dbtx { return preparedTx{tx: tx, pool: writers} },
		closers: []func(){readers.close, writers.close}}
	s.engine = &sqliteEngine{s: s, last: -1}
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

// sqliteEngine follows content_changes (migration 0005). SQLite has one
// writer at a time, so the log's sequence is the commit order and a reader
// never sees a later row before an earlier one.
type sqliteEngine struct {
	s    *Store
	mu   sync.Mutex
	last int64 // the last seq delivered; -1 before the first read
}

// changesBatch bounds one read of the log; a longer backlog empties the
// caches instead of being read row by row.
const changesBatch = 1000

// changesKept is how many of the log's newest rows pruning keeps: enough
// for any reader polling every 50 ms to find its place.
const changesKept = 10000

func (e *sqliteEngine) pending(context.Context, *sql.Tx) (changeSet, error) { return changeSet{}, nil }

func (e *sqliteEngine) committed(ctx context.Context, _ changeSet) { e.poll(ctx) }

func (e *sqliteEngine) ready() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.last < 0 {
		return errors.New("not yet reading the change log")
	}
	return nil
}

// watch reads the log every 50 ms (a point query on the newest rows) and
// prunes it once a minute.
func (e *sqliteEngine) watch(ctx context.Context) {
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	prune := time.NewTicker(time.Minute)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
			e.poll(ctx)
		case <-prune.C:
			_, _ = e.s.write.ExecContext(ctx, `DELETE FROM content_changes WHERE seq <= (SELECT MAX(seq) FROM content_changes) - $1`, changesKept)
		}
	}
}

// poll delivers the log's new rows. Whenever it cannot tell exactly what
// changed (a read error, a gap left by pruning, a long backlog, the first
// read), it reports that everything may have.
func (e *sqliteEngine) poll(ctx context.Context) {
	e.mu.Lock()
	defer e.mu.Unlock()
	all := changeSet{all: true}
	if e.last < 0 {
		if err := e.s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM content_changes`).Scan(&e.last); err != nil {
			e.last = -1
		}
		e.s.changes.record(all)
		return
	}
	rows, err := e.s.readQ.QueryContext(ctx, `SELECT seq, license_id FROM content_changes WHERE seq > $1 ORDER BY seq LIMIT $2`, e.last, changesBatch+1)
	if err != nil {
		e.s.changes.record(all)
		return
	}
	defer rows.Close()
	var cs changeSet
	n, next := 0, e.last
	for rows.Next() {
		var seq int64
		var lic sql.NullInt64
		if err := rows.Scan(&seq, &lic); err != nil {
			e.s.changes.record(all)
			return
		}
		if n == 0 && seq != e.last+1 {
			cs.all = true // rows were pruned before this process read them
		}
		n, next = n+1, seq
		if lic.Valid {
			cs.licenses = append(cs.licenses, lic.Int64)
		} else {
			cs.all = true
		}
	}
	if rows.Err() != nil || n > changesBatch {
		cs.all = true
		if n > changesBatch {
			_ = e.s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM content_changes`).Scan(&next)
		}
	}
	e.last = next
	if cs.all {
		cs.licenses = nil
	}
	e.s.changes.record(cs)
}

// isSQLiteUniqueViolation reports whether err is a unique or primary-key
// constraint failure.
func isSQLiteUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isSQLiteBusy reports SQLITE_BUSY or SQLITE_LOCKED after the busy timeout.
func isSQLiteBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff // primary code of extended codes such as SQLITE_BUSY_SNAPSHOT
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}
