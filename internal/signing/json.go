package signing

import (
	"bytes"
	"encoding/json"
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
