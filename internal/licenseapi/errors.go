package licenseapi

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// statusByCode is the one table from error code to HTTP status. Codes not
// listed are 400, as every License API error is unless stated otherwise
// (license-api.md §6).
var statusByCode = map[string]int{
	problem.CodeSignatureMismatch:   http.StatusUnauthorized,
	problem.CodeRequestTooLarge:     http.StatusRequestEntityTooLarge,
	problem.CodeRequestTimeout:      http.StatusRequestTimeout,
	problem.CodeTooManyRequests:     http.StatusTooManyRequests,
	problem.CodeServerBusy:          http.StatusServiceUnavailable,
	problem.CodeMethodNotAllowed:    http.StatusMethodNotAllowed,
	problem.CodeNotFound:            http.StatusNotFound,
	problem.CodeInternalError:       http.StatusInternalServerError,
	problem.CodeOAuthTokenExpired:   http.StatusUnauthorized,
	problem.CodeOAuthTokenMalformed: http.StatusUnauthorized,
	problem.CodeSSOTokenInvalid:     http.StatusUnauthorized,
	// The customer's identity provider, not licensor, is down.
	problem.CodeSSOProviderUnavailable: http.StatusServiceUnavailable,
}

func statusOf(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusBadRequest
}

// errorBody is the License API error shape, with exactly these keys in this
// order (license-api.md §1.1).
type errorBody struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers err. A *problem.Error becomes its code and message;
// anything else is an internal error whose cause is logged and never sent.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	pe, ok := problem.As(err)
	switch {
	case ok:
	case errors.Is(r.Context().Err(), context.Canceled):
		// The client went away (however the interrupted work reported
		// it); there is nobody to answer.
		pe = &problem.Error{Code: "client_closed_request", Message: "the client closed the request", Cause: err}
	case store.IsBusy(err):
		// Another process (the CLI, a backup, another instance) held the
		// database's write lock past the busy timeout: overload, not a
		// fault, and worth a retry.
		pe = &problem.Error{Code: problem.CodeServerBusy, Message: "the database is busy, retry later", RetryAfter: time.Second, Cause: err}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(r.Context().Err(), context.DeadlineExceeded):
		// The request timeout ran out waiting for the database or the
		// hashing pool, however the interrupted work reported it.
		pe = &problem.Error{Code: problem.CodeServerBusy, Message: "the server is busy, retry later", RetryAfter: time.Second, Cause: err}
	default:
		pe = &problem.Error{Code: problem.CodeInternalError, Message: "internal server error", Cause: err}
	}
	status := statusOf(pe.Code)
	if sw, ok := w.(*statusWriter); ok {
		sw.code, sw.cause = pe.Code, pe.Cause
	}
	if pe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(pe.RetryAfter.Seconds()))))
	}
	body, merr := marshalError(status, pe)
	if merr != nil {
		a.log.ErrorContext(r.Context(), "marshal error body", "err", merr)
		body = []byte(`{"status":500,"code":"internal_error","message":"internal server error"}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func marshalError(status int, pe *problem.Error) ([]byte, error) {
	return marshal(errorBody{Status: status, Code: pe.Code, Message: pe.Message})
}

// logRequest writes the one access-log line of a request. It never logs
// bodies or the Authorization header, which carry secrets.
func (a *API) logRequest(r *http.Request, sw *statusWriter, attrs ...slog.Attr) {
	// A fault of the server is an error; overload is a warning; what a
	// client got wrong is information.
	level := slog.LevelInfo
	switch {
	case sw.status == http.StatusServiceUnavailable:
		level = slog.LevelWarn
	case sw.status >= 500:
		level = slog.LevelError
	}
	attrs = append(attrs,
		slog.String("method", clip(r.Method)),
		slog.String("path", clip(r.URL.Path)),
		slog.Int("status", sw.status),
		slog.String("client_ip", a.clientIP(r)),
	)
	if sw.code != "" {
		attrs = append(attrs, slog.String("code", sw.code))
	}
	if sw.cause != nil {
		attrs = append(attrs, slog.String("err", sw.cause.Error()))
	}
	a.log.LogAttrs(r.Context(), level, "request", attrs...)
}
