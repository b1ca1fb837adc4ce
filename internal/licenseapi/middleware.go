package licenseapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/licensor/licensor/internal/problem"
)

// statusWriter remembers what was answered, for the access log and so that a
// panic after a partial write is not answered twice.
type statusWriter struct {
	http.ResponseWriter
	status int
	code   string // error code, when an error was answered
	cause  error  // internal cause of a 5xx, logged only
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

// recoverer logs every request once and turns a panic into a 500 without
// internals in the body; the stack goes to the log.
func (a *API) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.log.ErrorContext(r.Context(), "panic serving request", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					a.writeError(sw, r, &problem.Error{Code: problem.CodeInternalError, Message: "internal server error", Cause: fmt.Errorf("panic: %v", p)})
				}
			}
			a.logRequest(r, sw, slog.Duration("duration", time.Since(start)))
		}()
		next.ServeHTTP(sw, r)
	})
}
