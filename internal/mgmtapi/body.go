package mgmtapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/licensor/licensor/internal/problem"
)

// maxDepth bounds nesting in a body (management-api.md §1.3).
const maxDepth = 32

// readBody reads the whole body (already bounded by checkBody).
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, problem.New(problem.CodeRequestTooLarge, "the body is too large")
	}
	return b, err
}

// noInput accepts what an action without input may carry: nothing, an
// empty body, or {} (management-api.md §1.3).
func noInput(r *http.Request) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	if t := bytes.TrimSpace(b); len(t) != 0 && !bytes.Equal(t, []byte("{}")) {
		if !json.Valid(t) {
			return problem.New(problem.CodeInvalidJSON, "the body is not JSON")
		}
		return problem.New(problem.CodeValidationError, "this action takes no input: send no body or {}")
	}
	return nil
}

// object decodes a body that must be one JSON object, refusing
// duplicate keys and deep nesting; the values are left raw for the
// endpoint's typed reader.
func object(r *http.Request) (map[string]json.RawMessage, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 || !json.Valid(b) {
		return nil, problem.New(problem.CodeInvalidJSON, "the body is not JSON")
	}
	if err := checkShape(b); err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil, problem.New(problem.CodeValidationError, "the body must be a JSON object")
	}
	return m, nil
}

// checkShape walks valid JSON for duplicate keys in an object and nesting
// deeper than maxDepth.
func checkShape(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return problem.New(problem.CodeInvalidJSON, "the body is not JSON")
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= maxDepth {
					return problem.Newf(problem.CodeValidationError, "the body nests deeper than %d levels", maxDepth)
				}
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, key: t == '{'})
				continue
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true
				}
				continue
			}
		case string:
			if top != nil && top.object && top.key {
				if top.keys[t] {
					return problem.Newf(problem.CodeValidationError, "%s: given more than once", clip(t))
				}
				top.keys[t] = true
				top.key = false
				continue
			}
		}
		if top != nil && top.object {
			top.key = true
		}
	}
}

// optionalObject is object, or an empty map when the body is empty.
func optionalObject(r *http.Request) (map[string]json.RawMessage, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return object(r)
}

// array decodes a body that must be one JSON array.
func array(r *http.Request) ([]json.RawMessage, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 || !json.Valid(b) {
		return nil, problem.New(problem.CodeInvalidJSON, "the body is not JSON")
	}
	if err := checkShape(b); err != nil {
		return nil, err
	}
	var a []json.RawMessage
	if json.Unmarshal(b, &a) != nil {
		return nil, problem.New(problem.CodeValidationError, "the body must be a JSON array")
	}
	return a, nil
}
