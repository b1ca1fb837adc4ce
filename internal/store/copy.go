package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// notCopied are tables that belong to one engine's bookkeeping: the target
// makes its own.
var notCopied = map[string]bool{"schema_migrations": true, "content_changes": true}

// CopyTo copies every row of this SQLite database into the PostgreSQL
// database to, which must be empty: the same ids, password hashes, sealed
// values and signing key, so that applications (pinned public key, API
// credentials, license users' passwords) keep working once they are served
// from it. Both are migrated to this binary's schema first. The rows are
// read in one snapshot and written in one transaction: a failed copy leaves
// the target with the schema only, and may be run again after emptying it.
// It returns the rows copied per table.
func (s *Store) CopyTo(ctx context.Context, to *Store) (map[string]int64, error) {
	if s.dialect != SQLite || to.dialect != Postgres {
		return nil, errors.New("db copy copies an SQLite database into a PostgreSQL one")
	}
	if err := to.mustBeEmpty(ctx); err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if err := to.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	src, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer src.Rollback()
	tables, err := sqliteTables(ctx, src)
	if err != nil {
		return nil, err
	}
	conn, err := to.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	counts := map[string]int64{}
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		// The copy is not a change for running instances to hear of
		// (migration 0005): none serves this database yet.
		if _, err := tx.Exec(ctx, `SELECT set_config('licensor.quiet', 'on', true)`); err != nil {
			return err
		}
		ordered, err := foreignKeyOrder(ctx, tx, tables)
		if err != nil {
			return err
		}
		for _, t := range ordered {
			n, err := copyTable(ctx, src, tx, t)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t, err)
			}
			counts[t] = n
		}
		if err := resetIdentities(ctx, tx); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	// Planner statistics for the new tables now, rather than whenever
	// autovacuum first gets to them under load.
	if _, err := to.write.ExecContext(ctx, `ANALYZE`); err != nil {
		return nil, fmt.Errorf("analyze the copy: %w", err)
	}
	return counts, nil
}

// mustBeEmpty refuses a target that holds any table: copying into an
// existing deployment would mix two sets of ids and keys.
func (s *Store) mustBeEmpty(ctx context.Context) error {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the target database is not empty (%d tables): copy into a new, empty database (createdb NAME)", n)
	}
	return nil
}

// sqliteTables lists the tables to copy in the order they were created.
// A later migration may add a foreign key to an earlier table
// (audit_events.oauth_client_id, customers.customer_account_id), so the
// copy runs them in foreignKeyOrder.
func sqliteTables(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if !notCopied[name] {
			out = append(out, name)
		}
	}
	return out, rows.Err()
}

// copyTable streams one table with COPY, converting SQLite's 0/1 booleans
// to PostgreSQL's.
func copyTable(ctx context.Context, src *sql.Tx, dst pgx.Tx, table string) (int64, error) {
	boolCols := map[string]bool{}
	rows, err := dst.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return 0, err
	}
	known := map[string]bool{}
	for rows.Next() {
		var col, typ string
		if err := rows.Scan(&col, &typ); err != nil {
			rows.Close()
			return 0, err
		}
		known[col] = true
		boolCols[col] = typ == "boolean"
	}
	rows.Close()
	if len(known) == 0 {
		return 0, fmt.Errorf("the target has no table %s: is it licensor's schema?", table)
	}
	srows, err := src.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, err
	}
	defer srows.Close()
	cols, err := srows.Columns()
	if err != nil {
		return 0, err
	}
	for _, c := range cols {
		if !known[c] {
			return 0, fmt.Errorf("column %s is not in the target's schema", c)
		}
	}
	return dst.CopyFrom(ctx, pgx.Identifier{table}, cols, &rowSource{rows: srows, cols: cols, bools: boolCols})
}

// rowSource streams SQLite rows into COPY without holding a table in
// memory.
type rowSource struct {
	rows  *sql.Rows
	cols  []string
	bools map[string]bool
}

func (r *rowSource) Next() bool { return r.rows.Next() }

func (r *rowSource) Err() error { return r.rows.Err() }

func (r *rowSource) Values() ([]any, error) {
	vals := make([]any, len(r.cols))
	ptrs := make([]any, len(r.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	for i, c := range r.cols {
		switch v := vals[i].(type) {
		case int64:
			if r.bools[c] {
				vals[i] = v != 0
			}
		case []byte:
			vals[i] = string(v)
		}
	}
	return vals, nil
}

// resetIdentities moves every identity column's sequence past the ids the
// copy brought, so that the next insert does not collide with them.
func resetIdentities(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		return err
	}
	type col struct{ table, column string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, c)
	}
	rows.Close()
	for _, c := range cols {
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)`,
			c.table, c.column, pgx.Identifier{c.column}.Sanitize(), pgx.Identifier{c.table}.Sanitize())
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("reset the ids of %s: %w", c.table, err)
		}
	}
	return nil
}

// foreignKeyOrder sorts tables so that every foreign key of the target
// schema points at a table copied before it, keeping the creation order
// where the keys allow (a self-reference does not count).
func foreignKeyOrder(ctx context.Context, tx pgx.Tx, tables []string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT src.relname, dst.relname FROM pg_constraint c
		 JOIN pg_class src ON src.oid = c.conrelid JOIN pg_class dst ON dst.oid = c.confrelid
		 WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace AND c.conrelid <> c.confrelid`)
	if err != nil {
		return nil, err
	}
	needs := map[string][]string{}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			rows.Close()
			return nil, err
		}
		needs[from] = append(needs[from], to)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	copying := map[string]bool{}
	for _, t := range tables {
		copying[t] = true
	}
	done := map[string]bool{}
	out := make([]string, 0, len(tables))
	for len(out) < len(tables) {
		progress := false
		for _, t := range tables {
			if done[t] {
				continue
			}
			ready := true
			for _, dep := range needs[t] {
				ready = ready && (done[dep] || !copying[dep])
			}
			if ready {
				done[t], progress = true, true
				out = append(out, t)
			}
		}
		if !progress {
			return nil, fmt.Errorf("the tables' foreign keys form a cycle")
		}
	}
	return out, nil
}
