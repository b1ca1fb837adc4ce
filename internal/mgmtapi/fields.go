package mgmtapi

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/licensor/licensor/internal/problem"
)

// fields reads a JSON object's members with the coercions of
// management-api.md §1.4 and nothing more, remembering what was read so
// that done can refuse unknown fields (§1.5). path prefixes messages
// ("items[1].licenses[0]."), as the spec's messages name a field's path.
type fields struct {
	m    map[string]json.RawMessage
	path string
	read map[string]bool
}

func newFields(m map[string]json.RawMessage, path string) *fields {
	return &fields{m: m, path: path, read: map[string]bool{}}
}

func (f *fields) bad(name, rule string) error {
	return problem.Newf(problem.CodeValidationError, "%s%s: %s", f.path, name, rule)
}

// raw returns a member unless absent; JSON null counts as absent only
// where the caller says so.
func (f *fields) raw(name string) (json.RawMessage, bool) {
	f.read[name] = true
	v, ok := f.m[name]
	return v, ok
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

// str reads a string (or an integer, as its decimal text) of at most max
// characters, without NUL or U+2028/U+2029.
func (f *fields) str(name string, max int) (string, bool, error) {
	v, ok := f.raw(name)
	if !ok {
		return "", false, nil
	}
	var s string
	switch {
	case json.Unmarshal(v, &s) == nil:
	case isInteger(v):
		s = string(bytes.TrimSpace(v))
	default:
		return "", true, f.bad(name, "must be a string")
	}
	if utf8.RuneCountInString(s) > max {
		return "", true, f.bad(name, "at most "+strconv.Itoa(max)+" characters")
	}
	if strings.ContainsAny(s, "\x00\u2028\u2029") {
		return "", true, f.bad(name, "must not contain NUL, U+2028 or U+2029")
	}
	return s, true, nil
}

// boolean reads true/false, 1/0, or the strings "true", "false", "1",
// "0" (any case).
func (f *fields) boolean(name string) (bool, bool, error) {
	v, ok := f.raw(name)
	if !ok {
		return false, false, nil
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return b, true, nil
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		s = string(bytes.TrimSpace(v))
	}
	switch strings.ToLower(s) {
	case "true", "1":
		return true, true, nil
	case "false", "0":
		return false, true, nil
	}
	return false, true, f.bad(name, "must be a boolean")
}

// integer reads a number without a fractional part, or a string of digits
// with an optional leading "-", within [lo, hi].
func (f *fields) integer(name string, lo, hi int64) (int64, bool, error) {
	v, ok := f.raw(name)
	if !ok {
		return 0, false, nil
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		s = string(bytes.TrimSpace(v))
		if !isNumber(v) {
			return 0, true, f.bad(name, "must be an integer")
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// 5.0 is 5; 5.5 and 1e400 are not integers.
		x, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || x != math.Trunc(x) || math.Abs(x) > 1<<53 || strings.HasPrefix(s, "+") || !isNumber(v) {
			return 0, true, f.bad(name, "must be an integer")
		}
		n = int64(x)
	}
	if n < lo || n > hi {
		return 0, true, f.bad(name, "must be from "+strconv.FormatInt(lo, 10)+" to "+strconv.FormatInt(hi, 10))
	}
	return n, true, nil
}

func isNumber(v json.RawMessage) bool {
	t := bytes.TrimSpace(v)
	return len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9')
}

func isInteger(v json.RawMessage) bool {
	t := bytes.TrimSpace(v)
	return isNumber(t) && !bytes.ContainsAny(t, ".eE")
}

// done refuses the fields no one read.
func (f *fields) done() error {
	var unknown []string
	for name := range f.m {
		if !f.read[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return f.bad(clip(unknown[0]), "unknown field")
}
