package mgmtapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/licensor/licensor/internal/problem"
)

// Codes of the Management API that the License API does not have
// (management-api.md §3).
const (
	codeAuthenticationRequired = "authentication_required"
	codePermissionDenied       = "permission_denied"
	codeUnsupportedMediaType   = "unsupported_media_type"
)

// statusByCode is the one table from error code to HTTP status; codes not
// listed are 400 (management-api.md §3).
var statusByCode = map[string]int{
	codeAuthenticationRequired:      http.StatusUnauthorized,
	problem.CodeInvalidAPIKey:       http.StatusUnauthorized,
	codePermissionDenied:            http.StatusForbidden,
	problem.CodeNotFound:            http.StatusNotFound,
	problem.CodeMethodNotAllowed:    http.StatusMethodNotAllowed,
	problem.CodeRequestTooLarge:     http.StatusRequestEntityTooLarge,
	codeUnsupportedMediaType:        http.StatusUnsupportedMediaType,
	problem.CodeTooManyRequests:     http.StatusTooManyRequests,
	problem.CodeServerBusy:          http.StatusServiceUnavailable,
	problem.CodeInternalError:       http.StatusInternalServerError,
	problem.CodeOrderIDExists:       http.StatusConflict,
	problem.CodeLicenseKeyExists:    http.StatusConflict,
	problem.CodeCustomerExists:      http.StatusConflict,
	problem.CodeCustomerHasLicenses: http.StatusConflict,
	problem.CodeProductExists:       http.StatusConflict,
	problem.CodeIdempotencyKeyInUse: http.StatusConflict,
	problem.CodeIdempotencyReused:   http.StatusUnprocessableEntity,
}

func statusOf(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusBadRequest
}

// writeError answers err in the error shape {status, code, message}
// (management-api.md §1.10); anything unclassified is logged and answered
// as internal_error without details.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	pe, ok := problem.As(err)
	if !ok {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			pe = problem.Newf(problem.CodeRequestTooLarge, "the body is larger than %d bytes", a.cfg.MaxBodyBytes)
		} else {
			pe = classify(r.Context(), err)
		}
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.code, sw.cause = pe.Code, pe.Cause
	}
	status := statusOf(pe.Code)
	if pe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(pe.RetryAfter.Seconds()))))
	}
	a.writeJSONStatus(w, status, struct {
		Status  int    `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}{status, pe.Code, pe.Message})
}

// writeJSON answers 200 with v.
func (a *API) writeJSON(w http.ResponseWriter, v any) error {
	a.writeJSONStatus(w, http.StatusOK, v)
	return nil
}

func (a *API) writeJSONStatus(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		a.log.Error("marshal a Management API answer", "err", err)
		body, status = []byte(`{"status":500,"code":"internal_error","message":"internal server error"}`), http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// message is an action's answer: {"message": "<sentence>"}.
func (a *API) message(w http.ResponseWriter, sentence string) error {
	return a.writeJSON(w, map[string]string{"message": sentence})
}

// statusWriter remembers what was answered, for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	code   string
	cause  error
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// logRequest writes one access-log line. Never the Authorization header
// or a body: they carry keys and passwords.
func (a *API) logRequest(r *http.Request, sw *statusWriter, took time.Duration) {
	level := slog.LevelInfo
	switch {
	case sw.status == http.StatusServiceUnavailable:
		level = slog.LevelWarn
	case sw.status >= 500:
		level = slog.LevelError
	}
	attrs := []slog.Attr{slog.String("api", "management"), slog.String("method", clip(r.Method)), slog.String("path", clip(r.URL.Path)),
		slog.Int("status", sw.status), slog.Duration("took", took), slog.String("client_ip", a.clientIP(r))}
	if sw.code != "" {
		attrs = append(attrs, slog.String("code", sw.code))
	}
	if sw.cause != nil {
		attrs = append(attrs, slog.String("cause", sw.cause.Error()))
	}
	a.log.LogAttrs(r.Context(), level, "request", attrs...)
}
