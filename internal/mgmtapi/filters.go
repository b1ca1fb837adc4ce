package mgmtapi

import (
	"strconv"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// filterSpec is one query parameter of a list and how it filters.
type filterSpec struct {
	name  string
	apply applyFunc
}

// applyFunc adds the clause of one filter for its value.
type applyFunc func(f *store.Filter, name, value string) error

// withValue converts the value before the clause takes it.
func (g applyFunc) withValue(conv func(string) string) applyFunc {
	return func(f *store.Filter, name, v string) error { return g(f, name, conv(v)) }
}

// filters reads every filter of specs the query has.
func (q *query) filters(specs []filterSpec) (store.Filter, error) {
	var f store.Filter
	for _, s := range specs {
		if v, ok := q.get(s.name); ok {
			if err := s.apply(&f, s.name, v); err != nil {
				return f, err
			}
		}
	}
	return f, nil
}

func badFilter(name, rule string) error {
	return problem.Newf(problem.CodeValidationError, "%s: %s", name, rule)
}

// text compares a column with the value as given.
func text(clause string) applyFunc {
	return func(f *store.Filter, name, v string) error {
		if !store.StorableText(v) || len(v) > 1024 {
			return badFilter(name, "not a valid value")
		}
		f.Where(clause, v)
		return nil
	}
}

// prefix is a case-sensitive starts-with on column.
func prefix(column string) applyFunc {
	return text(column + ` LIKE ? ESCAPE '\'`).withValue(func(v string) string { return likeEscape(v) + "%" })
}

// contains is a case-insensitive substring match on column.
func contains(column string) applyFunc {
	return containsIn("lower(" + column + `) LIKE ? ESCAPE '\'`)
}

// containsIn is a case-insensitive substring match; clause has one "?".
func containsIn(clause string) applyFunc {
	return text(clause).withValue(func(v string) string { return "%" + likeEscape(strings.ToLower(v)) + "%" })
}

// id compares with an id.
func id(clause string) applyFunc {
	return func(f *store.Filter, name, v string) error {
		n, ok := parseID(v)
		if !ok {
			return badFilter(name, "must be an id")
		}
		f.Where(clause, n)
		return nil
	}
}

// idsIn is column IN (up to 100 comma-separated ids).
func idsIn(column string) applyFunc {
	return func(f *store.Filter, name, v string) error {
		parts := strings.Split(v, ",")
		if len(parts) > 100 {
			return badFilter(name, "at most 100 values")
		}
		args := make([]any, len(parts))
		for i, p := range parts {
			n, ok := parseID(p)
			if !ok {
				return badFilter(name, "must be comma-separated ids")
			}
			args[i] = n
		}
		f.Where(column+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(args)), ",")+")", args...)
		return nil
	}
}

// boolValue reads true/false/1/0 (any case).
func boolValue(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, badFilter(name, "must be true or false")
}

func boolean(clause string) applyFunc {
	return func(f *store.Filter, name, v string) error {
		b, err := boolValue(name, v)
		if err != nil {
			return err
		}
		f.Where(clause, b)
		return nil
	}
}

// nullness is column IS NULL (true) or IS NOT NULL (false).
func nullness(column string) applyFunc {
	return func(f *store.Filter, name, v string) error {
		b, err := boolValue(name, v)
		if err != nil {
			return err
		}
		if b {
			f.Where(column + " IS NULL")
		} else {
			f.Where(column + " IS NOT NULL")
		}
		return nil
	}
}

// date compares a millisecond column with a date of management-api.md
// §1.6.
func date(clause string) applyFunc {
	return func(f *store.Filter, name, v string) error {
		t, err := parseDate(v)
		if err != nil {
			return badFilter(name, "must be YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339")
		}
		f.Where(clause, t.UnixMilli())
		return nil
	}
}

// parseDate reads YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (UTC) or RFC 3339, years
// 1970–9999.
func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1970 {
				break
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, strconv.ErrSyntax
}
