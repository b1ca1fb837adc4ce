package licensor

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsStringify re-serializes a JSON document as JavaScript's
// JSON.stringify(JSON.parse(text)) does, with the top-level keys in drop
// left out: compact, keys in the order of the text, strings escaped only
// where JSON requires it (no HTML escaping, U+2028 and U+2029 raw), numbers
// in JavaScript's shortest form. license_signature_v2 of an offline answer
// signs exactly that (license-api.md §3.2; internal/wire/offline.go).
// Integer-like keys, which JavaScript would move to the front, are kept in
// place: licensor does not emit them.
func jsStringify(text []byte, drop map[string]bool) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var out bytes.Buffer
	if err := jsValue(d, &out, drop); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("text after the JSON value")
	}
	return out.Bytes(), nil
}

// jsValue writes the next value of d; drop applies to this value's keys if
// it is an object (the top level only).
func jsValue(d *json.Decoder, out *bytes.Buffer, drop map[string]bool) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return jsArray(d, out)
		}
		if t == '{' {
			return jsObject(d, out, drop)
		}
		return errors.New("unexpected " + t.String())
	case string:
		jsString(out, t)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) {
			return errors.New("number out of range: " + string(t))
		}
		out.WriteString(formatJSNumber(f))
	case bool:
		out.WriteString(strconv.FormatBool(t))
	case nil:
		out.WriteString("null")
	}
	return nil
}

func jsArray(d *json.Decoder, out *bytes.Buffer) error {
	out.WriteByte('[')
	for i := 0; d.More(); i++ {
		if i > 0 {
			out.WriteByte(',')
		}
		if err := jsValue(d, out, nil); err != nil {
			return err
		}
	}
	_, err := d.Token() // ]
	out.WriteByte(']')
	return err
}

func jsObject(d *json.Decoder, out *bytes.Buffer, drop map[string]bool) error {
	out.WriteByte('{')
	seen := map[string]bool{}
	for n := 0; d.More(); {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if seen[key] {
			// JavaScript would keep the last value at the first place;
			// no honest answer has duplicates.
			return errors.New("duplicate key " + strconv.Quote(key))
		}
		seen[key] = true
		if drop[key] {
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if n > 0 {
			out.WriteByte(',')
		}
		n++
		jsString(out, key)
		out.WriteByte(':')
		if err := jsValue(d, out, nil); err != nil {
			return err
		}
	}
	_, err := d.Token() // }
	out.WriteByte('}')
	return err
}

// jsString writes s quoted as JSON.stringify does: '"' and '\\' escaped,
// control characters as \b \f \n \r \t or \u00XX, everything else raw.
// (The decoder already turned invalid UTF-8 and lone surrogates into
// U+FFFD, so an answer holding those does not verify; licensor emits
// neither.)
func jsString(out *bytes.Buffer, s string) {
	out.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			out.WriteString(`\"`)
		case r == '\\':
			out.WriteString(`\\`)
		case r == '\b':
			out.WriteString(`\b`)
		case r == '\f':
			out.WriteString(`\f`)
		case r == '\n':
			out.WriteString(`\n`)
		case r == '\r':
			out.WriteString(`\r`)
		case r == '\t':
			out.WriteString(`\t`)
		case r < 0x20:
			out.WriteString(`\u00`)
			out.WriteByte("0123456789abcdef"[r>>4])
			out.WriteByte("0123456789abcdef"[r&0xf])
		default:
			var b [utf8.UTFMax]byte
			out.Write(b[:utf8.EncodeRune(b[:], r)])
		}
	}
	out.WriteByte('"')
}

// formatJSNumber formats f as JavaScript's Number.prototype.toString:
// the shortest round-trip digits, in plain notation from 1e-6 up to 1e21
// and as 1.5e+21 / 1.5e-7 outside it.
func formatJSNumber(f float64) string {
	if f == 0 {
		return "0" // also -0
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1.5e+21, 1e-07
	mant, exp, _ := strings.Cut(s, "e")
	sign, digits := exp[:1], strings.TrimLeft(exp[1:], "0")
	return mant + "e" + sign + digits
}
