package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the prepared statements kept per pool. The
// queries are string constants of this package (plus a few built from
// fixed column lists), so the bound is never reached in practice.
const maxCachedStatements = 1024

// preparedPool runs queries on a pool through statements prepared once and
// kept: parsing the SQL costs SQLite more than running a point query, and
// database/sql re-prepares nothing it is not told to.
type preparedPool struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newPreparedPool(db *sql.DB) *preparedPool {
	return &preparedPool{db: db, m: make(map[string]*sql.Stmt)}
}

// stmt returns the prepared statement for query, or nil when it cannot be
// prepared (the caller then runs the query directly and gets the error).
func (p *preparedPool) stmt(ctx context.Context, query string) *sql.Stmt {
	p.mu.RLock()
	st := p.m[query]
	p.mu.RUnlock()
	if st != nil {
		return st
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev := p.m[query]; prev != nil {
		st.Close()
		return prev
	}
	if len(p.m) >= maxCachedStatements {
		st.Close() // full: run this query unprepared
		return nil
	}
	p.m[query] = st
	return st
}

func (p *preparedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.db.ExecContext(ctx, query, args...)
}

func (p *preparedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.db.QueryContext(ctx, query, args...)
}

func (p *preparedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

// close closes every kept statement.
func (p *preparedPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.m {
		st.Close()
	}
	p.m = nil
}

// cached returns the kept statement for query, without preparing one.
func (p *preparedPool) cached(query string) *sql.Stmt {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.m[query]
}

// preparedTx runs a transaction's queries through the pool's statements
// that are already prepared, bound to the transaction. It never prepares
// one on the pool: the transaction holds the writer's only connection, so
// that would wait forever.
type preparedTx struct {
	tx   *sql.Tx
	pool *preparedPool
}

func (t preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.pool.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.pool.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.pool.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
