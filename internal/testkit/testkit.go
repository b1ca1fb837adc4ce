// Package testkit starts a real licensor for tests: the production wiring
// (package app) on a fresh SQLite file under t.TempDir() (or a fresh
// PostgreSQL database when the suite runs on PostgreSQL), served over
// loopback TCP, with a client that signs requests as the SDKs do.
package testkit

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/password"
	"github.com/licensor/licensor/internal/pgtest"
)

// FastArgon2 makes hashing cheap in tests; the production defaults are
// tested once, in package password.
var FastArgon2 = password.Params{Memory: 256, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// TestSecret is the server secret of test servers on PostgreSQL (on SQLite
// each data directory makes its own).
const TestSecret = "bGljZW5zb3ItdGVzdC1zZWNyZXQtMzItYnl0ZXMhISE="

// Server is a running licensor with one initialized company.
type Server struct {
	URL       string
	DataDir   string
	App       *app.App
	CompanyID int64
	APIKey    string
	SharedKey string
	Logs      *SyncBuffer // everything the server logged
	Config    app.Config  // what it was started with
	// Now dates the requests Do signs: the server's injected clock, if
	// the test gave it one, so that moving it keeps requests in time.
	Now func() time.Time

	t testing.TB
}

// Option adjusts the configuration before start.
type Option func(*app.Config)

// Start initializes a data directory and serves it until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	logs := &SyncBuffer{}
	cfg := app.Config{
		DataDir:  t.TempDir(),
		KeyBits:  2048,
		Argon2:   FastArgon2,
		HashPool: password.PoolConfig{Workers: 2, Queue: 256, MaxWait: 10 * time.Second},
		Throttle: licensing.DefaultThrottle,
		MaxSkew:  auth.DefaultMaxSkew,
		Log:      slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if url := pgtest.NewDatabase(t); url != "" {
		cfg.DatabaseURL, cfg.Secret = url, TestSecret
	}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open licensor: %v", err)
	}
	companyID, cred, err := a.Service.Init(ctx, "Test company")
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Server{URL: "http://" + ln.Addr().String(), DataDir: cfg.DataDir, Config: cfg, Now: now, App: a, CompanyID: companyID, APIKey: cred.APIKey, SharedKey: cred.SharedKey, Logs: logs, t: t}
}

// Response is a finished HTTP exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Request describes a call; Date and Authorization are added, signed with
// the server's credential, unless set in Header (an empty value removes
// the header).
type Request struct {
	Method string
	Path   string // e.g. "/api/v4/change_password"
	Body   string
	Header map[string]string
}

// Do sends req and reads the response.
func (s *Server) Do(req Request) Response {
	s.t.Helper()
	var body io.Reader
	if req.Body != "" {
		body = strings.NewReader(req.Body)
	}
	hr, err := http.NewRequest(req.Method, s.URL+req.Path, body)
	if err != nil {
		s.t.Fatalf("new request: %v", err)
	}
	date := s.Now().UTC().Format(http.TimeFormat)
	hr.Header.Set("Date", date)
	hr.Header.Set("Authorization", auth.AuthorizationHeader(s.APIKey, []byte(s.SharedKey), date))
	hr.Header.Set("Content-Type", "application/json")
	for k, v := range req.Header {
		if k == "Host" {
			hr.Host = v // net/http sends Request.Host, not a Host header
			continue
		}
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("read response: %v", err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// SyncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// FastPool is a hashing pool for tests.
var FastPool = password.PoolConfig{Workers: 2, Queue: 256, MaxWait: 10 * time.Second}
