package licensor

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// failing answers the first n requests with fail, then falls through to
// the fake server's defaults; it counts every request.
func failing(f *fakeServer, n int32, fail func(w http.ResponseWriter)) *atomic.Int32 {
	var count atomic.Int32
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		if count.Add(1) <= n {
			fail(w)
			return true
		}
		return false
	})
	return &count
}

func status(code int, retryAfter string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"status":` + strconv.Itoa(code) + `,"code":"busy","message":"later"}`))
	}
}

// hangUp closes the connection without an answer: a network error.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		code int
		call func(c *Client) error
	}{
		{"429 on a GET", 429, func(c *Client) error { _, err := c.CheckLicense(ctx, keyID, CheckOptions{}); return err }},
		{"503 on activate", 503, func(c *Client) error { _, err := c.ActivateLicense(ctx, keyID); return err }},
		{"429 on deactivate", 429, func(c *Client) error { return c.DeactivateLicense(ctx, keyID) }},
		{"503 on change_password", 503, func(c *Client) error { return c.ChangePassword(ctx, "u", "p", "n") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeServer(t)
			count := failing(f, 2, status(tc.code, "2"))
			c, s := newClient(t, f.URL)
			if err := tc.call(c); err != nil {
				t.Fatal(err)
			}
			if got := s.all(); count.Load() != 3 || len(got) != 2 || got[0] != 2*time.Second || got[1] != 2*time.Second {
				t.Errorf("%d attempts, waits %v", count.Load(), got)
			}
		})
	}
}

func TestRetryBackoffWithoutRetryAfter(t *testing.T) {
	f := newFakeServer(t)
	count := failing(f, 10, status(503, ""))
	c, s := newClient(t, f.URL)
	_, err := c.CheckLicense(context.Background(), keyID, CheckOptions{})
	var e *APIError
	if !errors.As(err, &e) || e.Status != 503 || count.Load() != 1+DefaultMaxRetries {
		t.Fatalf("%v after %d attempts", err, count.Load())
	}
	waits := s.all()
	if len(waits) != DefaultMaxRetries {
		t.Fatalf("waits %v", waits)
	}
	for n, d := range waits {
		base := 500 * time.Millisecond << n
		if d < base*8/10 || d > base*12/10 {
			t.Errorf("wait %d = %v, want %v ±20%%", n, d, base)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	for n := 0; n < 40; n++ {
		for i := 0; i < 50; i++ {
			d := backoff(n)
			base := 500 * time.Millisecond << min(n, 16)
			lo, hi := min(base*8/10, 10*time.Second), min(base*12/10, 10*time.Second)
			if d < lo || d > hi {
				t.Fatalf("backoff(%d) = %v", n, d)
			}
		}
	}
}

func TestRetryAfterTooLongIsReturned(t *testing.T) {
	f := newFakeServer(t)
	count := failing(f, 1, status(429, "60"))
	c, s := newClient(t, f.URL)
	_, err := c.CheckLicense(context.Background(), keyID, CheckOptions{})
	var e *APIError
	if !errors.As(err, &e) || e.RetryAfter != time.Minute || count.Load() != 1 || len(s.all()) != 0 {
		t.Fatalf("%v after %d attempts", err, count.Load())
	}
}

func TestNotRetried(t *testing.T) {
	for _, code := range []int{400, 401, 500, 502} {
		f := newFakeServer(t)
		count := failing(f, 1, status(code, "1"))
		c, _ := newClient(t, f.URL)
		_, err := c.ActivateLicense(context.Background(), keyID)
		var e *APIError
		if !errors.As(err, &e) || e.Status != code || count.Load() != 1 {
			t.Errorf("%d: %v after %d attempts", code, err, count.Load())
		}
	}
}

func TestNetworkErrorRetries(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		attempts int32
		call     func(c *Client) error
	}{
		{"GET retried", 1 + DefaultMaxRetries, func(c *Client) error { _, err := c.DeviceLicenses(ctx, "hw"); return err }},
		{"activate retried", 1 + DefaultMaxRetries, func(c *Client) error { _, err := c.ActivateLicense(ctx, keyID); return err }},
		{"activate_bundle retried", 1 + DefaultMaxRetries, func(c *Client) error { _, err := c.ActivateBundle(ctx, keyID); return err }},
		{"deactivate not retried", 1, func(c *Client) error { return c.DeactivateLicense(ctx, keyID) }},
		{"deactivate_bundle not retried", 1, func(c *Client) error { return c.DeactivateBundle(ctx, keyID) }},
		{"change_password not retried", 1, func(c *Client) error { return c.ChangePassword(ctx, "u", "p", "n") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeServer(t)
			count := failing(f, 100, hangUp)
			c, s := newClient(t, f.URL)
			err := tc.call(c)
			var ne *NetworkError
			if !errors.As(err, &ne) || count.Load() != tc.attempts || len(s.all()) != int(tc.attempts-1) {
				t.Errorf("%v after %d attempts, waits %v", err, count.Load(), s.all())
			}
		})
	}
	// A network error then success: the GET gets its answer.
	f := newFakeServer(t)
	failing(f, 2, hangUp)
	c, _ := newClient(t, f.URL)
	if _, err := c.CheckLicense(ctx, keyID, CheckOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestConnectionRefusedIsNetworkError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, _ := newClient(t, "http://"+addr, func(c *Config) { c.MaxRetries = -1 })
	_, err = c.CheckLicense(context.Background(), keyID, CheckOptions{})
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Unwrap() == nil {
		t.Fatalf("%v", err)
	}
}

func TestTimeoutPerAttempt(t *testing.T) {
	f := newFakeServer(t)
	release := make(chan struct{})
	defer close(release)
	var count atomic.Int32
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		count.Add(1)
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		return false
	})
	c, s := newClient(t, f.URL, func(c *Config) { c.Timeout = 200 * time.Millisecond; c.MaxRetries = 1 })
	start := time.Now()
	_, err := c.CheckLicense(context.Background(), keyID, CheckOptions{})
	var ne *NetworkError
	if !errors.As(err, &ne) || !errors.Is(err, context.DeadlineExceeded) || len(s.all()) != 1 {
		t.Fatalf("%v after %d waits", err, len(s.all()))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("two attempts of 200 ms took %v", d)
	}
	// The server saw both attempts (its handlers may start late on a busy
	// machine), and no third.
	for deadline := time.Now().Add(5 * time.Second); count.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := count.Load(); n != 2 {
		t.Errorf("the server saw %d attempts", n)
	}
}

func TestCancelStopsRetrying(t *testing.T) {
	f := newFakeServer(t)
	count := failing(f, 100, status(503, "1"))
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := newClient(t, f.URL, func(c *Config) {
		c.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	})
	_, err := c.CheckLicense(ctx, keyID, CheckOptions{})
	var e *APIError
	if !errors.As(err, &e) || count.Load() != 1 {
		t.Fatalf("%v after %d attempts", err, count.Load())
	}
}
