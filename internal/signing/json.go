package signing

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// MarshalJSON encodes v exactly as JavaScript's JSON.stringify would print
// the same value, because the Node SDK verifies the v2 signature over
// JSON.stringify(parsedBody) rather than over the bytes received
// (license-api.md §3.2). That means: compact, no HTML escaping, no trailing
// newline, and U+2028/U+2029 as raw characters (Go always escapes them,
// JavaScript never does). Go already formats float64 like ECMAScript.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
	if bytes.Contains(out, []byte(`\u202`)) {
		out = unescapeLineSeparators(out)
	}
	return out, nil
}

// unescapeLineSeparators replaces the escapes \u2028 and \u2029 that Go's
// encoder emits by the raw UTF-8 characters. It walks escapes pairwise so that
// an escaped backslash followed by "u2028" (`\\u2028`, a literal text) is left
// alone.
func unescapeLineSeparators(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c != '\\' || i+1 >= len(in) {
			out = append(out, c)
			continue
		}
		if in[i+1] == 'u' && i+5 < len(in) && in[i+2] == '2' && in[i+3] == '0' && in[i+4] == '2' && (in[i+5] == '8' || in[i+5] == '9') {
			if in[i+5] == '8' {
				out = append(out, "\u2028"...)
			} else {
				out = append(out, "\u2029"...)
			}
			i += 5
			continue
		}
		out = append(out, c, in[i+1])
		i++
	}
	return out
}

// CanonicalJSON re-encodes a JSON text the way JavaScript's
// JSON.stringify(JSON.parse(text)) prints it, so that free-form JSON a
// vendor stores (metadata) can be embedded in signed responses and still
// verify in the Node SDK. JavaScript moves integer-like keys ("0", "42") to
// the front of an object in ascending order and keeps the rest in insertion
// order; numbers print in shortest form and lose precision beyond float64,
// as in JavaScript. Duplicate keys are refused rather than guessed at.
func CanonicalJSON(text []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return MarshalJSON(v)
}

// orderedObject is a JSON object that marshals its keys in JavaScript order.
type orderedObject struct {
	keys   []string
	values map[string]any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	keys := slices.Clone(o.keys)
	// Stable: array-index keys first, ascending; the others keep their order.
	slices.SortStableFunc(keys, func(a, b string) int {
		ia, aok := arrayIndex(a)
		ib, bok := arrayIndex(b)
		switch {
		case aok && bok:
			return cmp.Compare(ia, ib)
		case aok:
			return -1
		case bok:
			return 1
		}
		return 0
	})
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, err := MarshalJSON(k)
		if err != nil {
			return nil, err
		}
		vb, err := MarshalJSON(o.values[k])
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// arrayIndex reports whether k is a canonical array index as JavaScript
// defines it (0 to 2^32-2, no leading zeros).
func arrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	if err != nil || n > 1<<32-2 {
		return 0, false
	}
	return n, true
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := orderedObject{values: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				if _, dup := o.values[k]; dup {
					return nil, fmt.Errorf("duplicate key %q", k)
				}
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				o.keys = append(o.keys, k)
				o.values[k] = v
			}
			_, err := dec.Token() // '}'
			return o, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token() // ']'
			return arr, err
		}
	case json.Number:
		f, err := t.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("number %s is out of range", t)
		}
		return f, nil
	}
	return tok, nil // string, bool or nil
}
