package mgmtapi

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
)

// A PATCH (or a create) of licenses and products names writable fields
// whose values become the CLI's key=value settings, validated by the same
// tables (licensing.LicenseColumns, licensing.ProductColumns).

type fieldKind int

const (
	kindBool fieldKind = iota
	kindInt
	kindDate   // nullable
	kindString // nullable when listed in nullable
	kindMeta
)

// settingField is one writable field: its kind, integer range, and the
// setting it becomes (the field's own name when empty).
type settingField struct {
	kind     fieldKind
	lo, hi   int64
	setting  string
	nullable bool
}

// settingsChange reads the writable fields of spec from f and returns the
// settings that change something against current (the object as the API
// shows it), and their field names.
func settingsChange(f *fields, spec map[string]settingField, current map[string]json.RawMessage) (pairs, changed []string, err error) {
	names := make([]string, 0, len(spec))
	for name := range spec {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s := spec[name]
		setting := s.setting
		if setting == "" {
			setting = name
		}
		text, asJSON, ok, err := readSetting(f, name, s)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		now, _ := json.Marshal(asJSON)
		if cur, ok := current[name]; ok && bytes.Equal(bytes.TrimSpace(cur), now) {
			continue
		}
		pairs, changed = append(pairs, setting+"="+text), append(changed, name)
	}
	return pairs, changed, nil
}

// readSetting reads one field as setting text and as the JSON value the
// API would show for it.
func readSetting(f *fields, name string, s settingField) (string, any, bool, error) {
	raw, ok := f.raw(name)
	if !ok {
		return "", nil, false, nil
	}
	if isNull(raw) && (s.kind == kindDate || s.nullable) {
		return "null", nil, true, nil
	}
	switch s.kind {
	case kindBool:
		v, _, err := f.boolean(name)
		return strconv.FormatBool(v), v, true, err
	case kindInt:
		v, _, err := f.integer(name, s.lo, s.hi)
		return strconv.FormatInt(v, 10), v, true, err
	case kindDate:
		str, _, err := f.str(name, 64)
		if err != nil {
			return "", nil, true, err
		}
		t, err := parseDate(str)
		if err != nil {
			return "", nil, true, f.bad(name, "must be YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339")
		}
		return t.Format("2006-01-02T15:04:05.000Z07:00"), ts(t), true, nil
	case kindMeta:
		canon, err := metadataText(raw)
		if err != nil {
			return "", nil, true, f.bad(name, err.Error())
		}
		return canon, json.RawMessage(canon), true, nil
	}
	str, _, err := f.str(name, 255)
	return str, str, true, err
}

// readOnlyUnchanged accepts the fields of m no one read when the object
// (current) shows them with the same value, and refuses a changed one
// (management-api.md §1.5); unknown fields are left for fields.done.
func readOnlyUnchanged(f *fields, m, current map[string]json.RawMessage) error {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if f.read[name] {
			continue
		}
		if cur, ok := current[name]; ok {
			f.read[name] = true
			if !jsonEqual(cur, m[name]) {
				return f.bad(name, "read-only field")
			}
		}
	}
	return nil
}

// asMap is v as the API shows it, by field.
func asMap(v any) map[string]json.RawMessage {
	b, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	return m
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}
