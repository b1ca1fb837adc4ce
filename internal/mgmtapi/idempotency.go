package mgmtapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/problem"
)

// Idempotency-Key (management-api.md §1.12): a write sent again with the
// same key, method, path and body gets the first successful answer again
// and writes nothing; the same key with another request is 422; while the
// first is still running, 409. Error answers store nothing.

const (
	codeIdempotencyReused = problem.CodeIdempotencyReused
	codeIdempotencyInUse  = problem.CodeIdempotencyKeyInUse
)

func validIdempotencyKey(k string) bool {
	if len(k) < 1 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// serveIdempotent runs a write under its Idempotency-Key.
func (a *API) serveIdempotent(c *call, h handlerFunc, key string) error {
	if !validIdempotencyKey(key) {
		return problem.New(problem.CodeValidationError, "Idempotency-Key: 1-255 printable ASCII characters")
	}
	body, err := readBody(c.r)
	if err != nil {
		return err
	}
	c.r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.New()
	sum.Write([]byte(c.r.Method + "\n" + strings.TrimSuffix(c.r.URL.Path, "/") + "/?" + c.r.URL.RawQuery + "\n"))
	sum.Write(body)
	hash := hex.EncodeToString(sum.Sum(nil))

	ctx, keyID := c.r.Context(), c.principal.KeyID
	prev, err := a.cat.ClaimIdempotencyKey(ctx, keyID, key, hash)
	if err != nil {
		return err
	}
	if prev != nil {
		switch {
		case prev.RequestHash != hash:
			return problem.New(codeIdempotencyReused, "Idempotency-Key was used for another request")
		case prev.Running:
			pe := problem.New(codeIdempotencyInUse, "a request with this Idempotency-Key is still running; retry later")
			pe.RetryAfter = time.Second
			return pe
		}
		c.w.Header().Set("Idempotent-Replayed", "true")
		if prev.Location != "" {
			c.w.Header().Set("Location", prev.Location)
		}
		c.w.Header().Set("Content-Type", "application/json")
		c.w.WriteHeader(prev.Status)
		_, _ = io.WriteString(c.w, prev.Body)
		return nil
	}
	rec := &recorder{header: http.Header{}}
	real := c.w
	c.w = rec
	herr := h(c)
	c.w = real
	if herr != nil || rec.status < 200 || rec.status > 299 {
		if err := a.cat.ReleaseIdempotencyKey(ctx, keyID, key); err != nil {
			a.log.Error("release an Idempotency-Key", "err", err)
		}
		if herr != nil {
			return herr
		}
	} else if err := a.cat.FinishIdempotencyKey(ctx, keyID, key, rec.status, rec.header.Get("Location"), rec.body.String()); err != nil {
		return err
	}
	for k, v := range rec.header {
		real.Header()[k] = v
	}
	real.WriteHeader(rec.status)
	_, _ = real.Write(rec.body.Bytes())
	return nil
}

// recorder holds an answer until it is stored.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
