package store

import (
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"
)

// prefixed qualifies every column of a column list with a table alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (*T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// scanPrefix scans a row whose first columns are read by the wrapped scan
// call and whose remaining columns go to extra.
type scanPrefix struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanPrefix) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// StorableText reports whether s can be stored in (and so compared with) a
// text column on every engine: PostgreSQL refuses invalid UTF-8 and NUL
// characters, which SQLite would keep.
func StorableText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// oneRow turns the result of an update of one row into ErrNotFound when it
// matched none.
func oneRow(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	} else if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
