package licensor

import (
	"math/rand/v2"
	"time"
)

// Retry timing (DESIGN.md "Retries").
const (
	// baseBackoff is the first wait; each further one doubles.
	baseBackoff = 500 * time.Millisecond
	// maxBackoff caps a computed wait.
	maxBackoff = 10 * time.Second
	// maxRetryAfter is the longest Retry-After honoured. An answer asking
	// for a longer wait is returned to the caller at once, with its
	// RetryAfter, rather than retried.
	maxRetryAfter = 30 * time.Second
)

// backoff is the wait before retry n+1 (n counts from 0): 0.5 s × 2ⁿ with
// ±20 % jitter, capped at 10 s.
func backoff(n int) time.Duration {
	d := baseBackoff << min(n, 16)
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	return min(d, maxBackoff)
}
