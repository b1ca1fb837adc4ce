package licenseapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/signing"
)

// marshal encodes v as JavaScript would print it (see signing.MarshalJSON).
func marshal(v any) ([]byte, error) { return signing.MarshalJSON(v) }

// writeJSON answers 200 with v, signing the exact bytes written in the
// LicenseSignature header (license-api.md §3.2).
func (a *API) writeJSON(w http.ResponseWriter, v any) error {
	body, sig, err := a.encodeSigned(v)
	if err != nil {
		return err
	}
	writeSigned(w, body, sig)
	return nil
}

// encodeSigned encodes v and signs the bytes.
func (a *API) encodeSigned(v any) ([]byte, string, error) {
	body, err := marshal(v)
	if err != nil {
		return nil, "", fmt.Errorf("encode response: %w", err)
	}
	sig, err := a.signer.Sign(body)
	if err != nil {
		return nil, "", err
	}
	return body, sig, nil
}

// writeSigned answers 200 with a signed JSON body.
func writeSigned(w http.ResponseWriter, body []byte, sig string) {
	writeSignedHeaders(w, body, []string{strconv.Itoa(len(body))}, []string{sig})
}

// jsonContentType is shared by every response: setting header map entries
// directly (keys already canonical) saves allocations on the hot path.
var jsonContentType = []string{"application/json"}

// writeSignedHeaders answers 200 with a body whose Content-Length and
// LicenseSignature header values are ready (cached responses keep them).
func writeSignedHeaders(w http.ResponseWriter, body []byte, length, sig []string) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = length
	h["Licensesignature"] = sig // the canonical form of LicenseSignature
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// readBody reads the request body up to the configured limit. A body the
// client failed to send whole is the client's fault, never a 500: too
// slow is 408, truncated, aborted or badly chunked is 400.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	var netErr net.Error
	switch {
	case err == nil:
		return body, nil
	case errors.As(err, &tooLarge):
		return nil, problem.Newf(problem.CodeRequestTooLarge, "the request body is larger than %d bytes", a.cfg.MaxBodyBytes)
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return nil, &problem.Error{Code: problem.CodeRequestTimeout, Message: "the request body did not arrive in time", Cause: err}
	default:
		// Also when the client hung up mid-body (the request's context is
		// cancelled then): nobody may read this answer, but it is logged
		// as what it is.
		return nil, &problem.Error{Code: problem.CodeInvalidRequestBody,
			Message: "the request body could not be read whole (truncated, aborted or badly chunked)", Cause: err}
	}
}

// decodeStringObject decodes a body that must be a JSON object whose
// properties are all strings and all among allowed
// (additionalProperties: false). An empty body decodes as an empty object,
// so that the caller answers missing_parameters. Checks run in the order of
// change-password.md rows 9–10: invalid JSON, then not an object, then the
// first offending property in document order.
func decodeStringObject(body []byte, allowed ...string) (map[string]string, error) {
	body = trimJSONSpace(body)
	if len(body) == 0 {
		return map[string]string{}, nil
	}
	if !json.Valid(body) {
		return nil, problem.New(problem.CodeInvalidJSON, "the request body is not valid JSON")
	}
	if body[0] != '{' {
		return nil, problem.New(problem.CodeValidationError, "the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, problem.New(problem.CodeInvalidJSON, "the request body is not valid JSON")
	}
	out := make(map[string]string, len(allowed))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, problem.New(problem.CodeInvalidJSON, "the request body is not valid JSON")
		}
		key := tok.(string) // json.Valid passed, so object keys are strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, problem.New(problem.CodeInvalidJSON, "the request body is not valid JSON")
		}
		if !slices.Contains(allowed, key) {
			return nil, problem.Newf(problem.CodeValidationError, "unknown property %s (allowed: %s)", strconv.Quote(key), strings.Join(allowed, ", "))
		}
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return nil, problem.Newf(problem.CodeValidationError, "property %s must be a string", key)
		}
		out[key] = s
	}
	return out, nil
}

// requireParams answers missing_parameters naming every required property
// that is absent or empty, in the order given.
func requireParams(got map[string]string, required ...string) error {
	var missing []string
	for _, k := range required {
		if got[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return problem.New(problem.CodeMissingParameters, "some parameters are missing in the request: "+strings.Join(missing, ", "))
	}
	return nil
}

// trimJSONSpace drops the white space JSON allows around a value (space,
// tab, CR, LF) and nothing else: bytes.TrimSpace would also accept Unicode
// spaces such as U+00A0, which make a body that is not JSON.
func trimJSONSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}
