package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgresOptions tune the connection pool.
type PostgresOptions struct {
	// MaxConns bounds this instance's pooled connections, shared between a
	// read and a write pool (0: DefaultPostgresConns). Across instances
	// their sum, plus one listening connection each, must stay under the
	// server's max_connections.
	MaxConns int
	// LockTimeout is how long a statement waits for a row or table lock
	// before it fails as busy (55P03, answered 503), like SQLite's busy
	// timeout; default 10 s.
	LockTimeout time.Duration
}

// DefaultPostgresConns is an instance's default pool size: enough to keep
// two cores busy while some connections wait on the network.
func DefaultPostgresConns() int { return max(8, 4*runtime.NumCPU()) }

// ErrBadDatabaseURL is returned for a database URL that does not parse.
// The URL itself is never repeated: it usually carries a password.
var ErrBadDatabaseURL = errors.New("the database URL is not a valid PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=...)")

// OpenPostgres connects to the PostgreSQL database at url through pgx.
// Every instance of a deployment opens the same database; limits, throttles
// and credentials are shared through it, and each instance hears of the
// others' changes by LISTEN (see WatchContent).
func OpenPostgres(ctx context.Context, url string, opts PostgresOptions) (*Store, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, ErrBadDatabaseURL
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if _, set := cfg.RuntimeParams["lock_timeout"]; !set {
		cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(cmp.Or(opts.LockTimeout, 10*time.Second).Milliseconds(), 10)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = DefaultPostgresConns()
	}
	// Two pools, as on SQLite: the readers' sessions are read-only, so a
	// lookup can never write by mistake.
	nw := max(2, n/2)
	write := pool(*cfg, nw)
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	read := pool(*rcfg, max(2, n-nw))
	s := &Store{dialect: Postgres, read: read, write: write, readQ: read, writeQ: write,
		txdb: func(tx *sql.Tx) dbtx { return tx }}
	s.engine = &pgEngine{s: s, cfg: cfg}
	if err := errors.Join(write.PingContext(ctx), read.PingContext(ctx)); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return s, nil
}

func pool(cfg pgx.ConnConfig, n int) *sql.DB {
	db := stdlib.OpenDB(cfg)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db
}

// pgEngine learns of changes from the trigger function of migration 0005:
// this process's own from the transaction's licensor.changed setting,
// others' from NOTIFY on the licensor_content channel.
type pgEngine struct {
	s         *Store
	cfg       *pgx.ConnConfig
	listening atomic.Bool
}

const contentChannel = "licensor_content"

func (e *pgEngine) pending(ctx context.Context, tx *sql.Tx) (changeSet, error) {
	var seen sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT current_setting('licensor.changed', true)`).Scan(&seen); err != nil {
		return changeSet{}, err
	}
	return parseChanged(seen.String), nil
}

// parseChanged reads the trigger's list: "" nothing, "*" everything, or
// ",12,34," those licenses. A single notification payload is the same
// without commas.
func parseChanged(s string) changeSet {
	if s == "" {
		return changeSet{}
	}
	var cs changeSet
	for _, f := range strings.Split(strings.Trim(s, ","), ",") {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return changeSet{all: true} // "*", or anything unexpected
		}
		cs.licenses = append(cs.licenses, id)
	}
	return cs
}

func (e *pgEngine) committed(_ context.Context, cs changeSet) { e.s.changes.record(cs) }

func (e *pgEngine) ready() error {
	if !e.listening.Load() {
		return errors.New("not listening for other instances' changes")
	}
	return nil
}

// fallbackInterval is how often caches are emptied while the listening
// connection is down, which bounds how stale they can be.
const fallbackInterval = 250 * time.Millisecond

// watch keeps a connection listening for changes. While it is down (the
// database restarting, a network cut) the caches are emptied every
// fallbackInterval, and once it is back they are emptied once more, so
// changes missed meanwhile are never served from a cache.
func (e *pgEngine) watch(ctx context.Context) {
	for ctx.Err() == nil {
		err := e.listen(ctx)
		e.listening.Store(false)
		e.s.changes.record(changeSet{all: true})
		if ctx.Err() != nil {
			return
		}
		_ = err // reconnecting is the answer; /readyz reports the state
		t := time.NewTimer(fallbackInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (e *pgEngine) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, e.cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+contentChannel); err != nil {
		return err
	}
	e.s.changes.record(changeSet{all: true}) // whatever changed before LISTEN
	e.listening.Store(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		e.s.changes.record(parseChanged(n.Payload))
	}
}

// isPostgresUniqueViolation reports unique_violation (23505).
func isPostgresUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// isPostgresUnavailable reports errors after which the same request can
// succeed later: the server unreachable, restarting or out of
// connections, and transactions aborted for a deadlock, a serialization
// failure or a lock timeout.
func isPostgresUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true // whatever the server said while refusing the connection
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "55P03", "53300", "57P01", "57P02", "57P03":
			return true
		}
		return strings.HasPrefix(pe.Code, "08") // connection exceptions
	}
	return errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err)
}

// DescribeURL names a PostgreSQL database for messages and logs: host, port
// and database, never the user's password.
func DescribeURL(url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return "PostgreSQL (unparsable URL)"
	}
	return fmt.Sprintf("PostgreSQL database %q on %s:%d", cfg.Database, cfg.Host, cfg.Port)
}
