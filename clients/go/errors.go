package licensor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CodeUnexpectedResponse is the code of an [APIError] made by the client
// for an answer that is not what the License API sends: an error status
// without the {status, code, message} body (a proxy's page, say), or a
// success whose body has the wrong shape.
const CodeUnexpectedResponse = "unexpected_response"

// APIError is an error answer of the server (license-api.md §1.1, §6).
type APIError struct {
	// Status is the HTTP status.
	Status int
	// Code is the License API error code, such as "license_not_found", or
	// CodeUnexpectedResponse.
	Code string
	// Message is the server's human-readable text.
	Message string
	// RetryAfter is the answer's Retry-After, zero when it had none.
	RetryAfter time.Duration
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("licensor: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// Retryable reports whether the same request may succeed later: the server
// was rate limiting (429) or overloaded (503).
func (e *APIError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable
}

// SignatureError means an answer failed verification with the pinned
// public key: the LicenseSignature header (v2) or a License object's
// license_signature (v1) was missing, malformed or wrong. The answer may
// have been altered in transit, or come from a server with another key.
type SignatureError struct {
	// Reason says which check failed.
	Reason string
}

// Error implements error.
func (e *SignatureError) Error() string { return "licensor: signature error: " + e.Reason }

// NetworkError means no answer arrived: the connection failed, timed out,
// or TLS failed. Err is the cause.
type NetworkError struct {
	Err error
}

// Error implements error.
func (e *NetworkError) Error() string { return "licensor: network error: " + e.Err.Error() }

// Unwrap returns the cause, so that errors.Is(err, context.DeadlineExceeded)
// and the like work.
func (e *NetworkError) Unwrap() error { return e.Err }

// The codes of a [LocalLicenseError], in the order [Manager.LocalCheck]
// tests them.
const (
	CodeLicenseFileMissing  = "license_file_missing"
	CodeLicenseFileInvalid  = "license_file_invalid"
	CodeHardwareIDMismatch  = "hardware_id_mismatch"
	CodeProductMismatch     = "product_mismatch"
	CodeLicenseNotEnabled   = "license_not_enabled"
	CodeLicenseNotActive    = "license_not_active"
	CodeLicenseExpired      = "license_expired"
	CodeClockTampered       = "clock_tampered"
	CodeOfflineGraceExpired = "offline_grace_expired"
	// CodeFeatureNotFound is returned by [Manager.Feature] for a feature the
	// stored license does not have, or has only past its expiry date.
	CodeFeatureNotFound = "feature_not_found"
)

// LocalLicenseError is a problem with the local license file, found without
// the server: see [Manager.LocalCheck] for the codes.
type LocalLicenseError struct {
	// Code is one of the Code… constants above.
	Code string
	// Message says what was found.
	Message string
	// Err is the cause, if any: the file system error, or the NetworkError
	// that made [Manager.Check] fall back to the file.
	Err error
}

// Error implements error.
func (e *LocalLicenseError) Error() string {
	s := "licensor: " + e.Code + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *LocalLicenseError) Unwrap() error { return e.Err }

// errorBody is the License API error body (license-api.md §1.1).
type errorBody struct {
	Status  *json.Number `json:"status"`
	Code    *string      `json:"code"`
	Message *string      `json:"message"`
}

// parseAPIError turns a non-200 answer into an APIError. A body that is not
// {status, code, message} gives CodeUnexpectedResponse.
func parseAPIError(status int, h http.Header, body []byte) *APIError {
	e := &APIError{Status: status, RetryAfter: retryAfter(h)}
	var b errorBody
	if json.Unmarshal(body, &b) != nil || b.Status == nil || b.Code == nil || *b.Code == "" || b.Message == nil {
		e.Code = CodeUnexpectedResponse
		e.Message = fmt.Sprintf("HTTP %d without a License API error body", status)
		return e
	}
	e.Code, e.Message = *b.Code, *b.Message
	return e
}

// unexpected is the APIError for a 200 answer whose (verified) body is not
// what the endpoint sends.
func unexpected(what string) *APIError {
	return &APIError{Status: http.StatusOK, Code: CodeUnexpectedResponse, Message: what}
}

// retryAfter reads a Retry-After header in seconds; zero when absent or not
// a number of seconds.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 1<<31 {
		return 0
	}
	return time.Duration(n) * time.Second
}
