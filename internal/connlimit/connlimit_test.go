package connlimit

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pair is one connection seen from both ends.
type pair struct {
	client, server net.Conn
}

// acceptor runs the wrapped listener's Accept loop in the background, since
// a refused connection makes Accept go on to the next one.
func acceptor(t *testing.T, lim *Limiter) (addr string, next func(t *testing.T) pair) {
	t.Helper()
	ln := lim.Listener(listen(t))
	t.Cleanup(func() { _ = ln.Close() })
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	addr = ln.Addr().String()
	return addr, func(t *testing.T) pair {
		t.Helper()
		client, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.Close() })
		select {
		case server := <-accepted:
			t.Cleanup(func() { _ = server.Close() })
			return pair{client, server}
		case <-time.After(5 * time.Second):
			t.Fatal("Accept returned nothing")
			return pair{}
		}
	}
}

// The victim is the longest-idle keep-alive connection, else the longest
// silent one, else the one sending headers the longest; busy ones never.
func TestEvictionOrder(t *testing.T) {
	lim := New(3, nil)
	addr, next := acceptor(t, lim)

	a, b, c := next(t), next(t), next(t)
	// a starts a request: the server has read its first bytes.
	if _, err := io.WriteString(a.client, "GET / HT"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.server.Read(make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
	// c made a request and is now idle; b has sent nothing.
	lim.ConnState(c.server, http.StateActive)
	lim.ConnState(c.server, http.StateIdle)

	d := next(t)
	if !closedByPeer(c.client) {
		t.Fatal("a new connection did not evict the idle one first")
	}
	e := next(t)
	if !closedByPeer(b.client) {
		t.Fatal("with no idle connection, the silent one was not evicted")
	}
	lim.ConnState(d.server, http.StateActive)
	lim.ConnState(e.server, http.StateActive)
	f := next(t)
	if !closedByPeer(a.client) {
		t.Fatal("with only busy ones left, the partial request was not evicted")
	}
	lim.ConnState(f.server, http.StateActive)

	// Everything busy: the next connection is refused, without a slot.
	g, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	resp, err := http.ReadResponse(bufio.NewReader(g), nil)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("refused connection: %v %v, want 503", resp, err)
	}
	_ = resp.Body.Close()
	if st := lim.Stats(); st.Open != 3 || st.Peak != 3 || st.Evicted != 3 || st.Refused != 1 || st.Idle != 0 {
		t.Errorf("Stats() = %+v, want Open 3, Peak 3, Evicted 3, Refused 1, Idle 0", st)
	}

	// A slot freed by a close is taken without evicting anyone.
	_ = d.server.Close()
	h := next(t)
	if lim.Open() != 3 || lim.Stats().Evicted != 3 {
		t.Errorf("after a close, Stats() = %+v, want Open 3 and no new eviction", lim.Stats())
	}

	// Every conn closed, some twice, the evicted ones again by their
	// server: each counted down exactly once.
	for _, p := range []pair{a, b, c, d, e, f, h, a, d, h} {
		_ = p.server.Close()
	}
	if open := lim.Open(); open != 0 {
		t.Errorf("Open() = %d after closing everything, want 0", open)
	}
}

// A connection evicted while the server still handles its state changes must
// not come back into a list, where it would be evicted (and uncounted) again.
func TestNoStateAfterEviction(t *testing.T) {
	lim := New(1, nil)
	_, next := acceptor(t, lim)
	a := next(t)
	b := next(t) // evicts a
	lim.ConnState(a.server, http.StateIdle)
	if st := lim.Stats(); st.Open != 1 || st.Idle != 1 {
		t.Fatalf("Stats() = %+v, want Open 1, Idle 1 (b only)", st)
	}
	_ = a.server.Close()
	_ = b.server.Close()
	if open := lim.Open(); open != 0 {
		t.Errorf("Open() = %d, want 0", open)
	}
}

// syncBuffer collects log output written from the accept goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// Evictions are logged at WARN, counts only, and at most once a second however
// many there are.
func TestWarningRateLimited(t *testing.T) {
	var out syncBuffer
	lim := New(1, slog.New(slog.NewTextHandler(&out, nil)))
	_, next := acceptor(t, lim)
	start := time.Now()
	for range 6 {
		_ = next(t) // each evicts the previous one
	}
	took := time.Since(start)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 1 || len(lines) > 1+int(took/time.Second) {
		t.Fatalf("%d log lines for 5 evictions in %v:\n%s", len(lines), took, out.String())
	}
	want := "level=WARN msg=\"connection limit reached: closing idle connections, refusing new ones when all are busy\" max=1 open=1 evicted=1 refused=0"
	if !strings.HasSuffix(lines[0], want) {
		t.Errorf("log line %q, want it to end with %q", lines[0], want)
	}
	if st := lim.Stats(); st.Evicted != 5 {
		t.Errorf("Evicted = %d, want 5", st.Evicted)
	}
}

// ConnState ignores connections from other listeners rather than panicking
// or miscounting.
func TestConnStateForeign(t *testing.T) {
	lim, other := New(1, nil), New(1, nil)
	_, next := acceptor(t, other)
	p := next(t)
	x, y := net.Pipe()
	defer x.Close()
	defer y.Close()
	for _, s := range []http.ConnState{http.StateNew, http.StateActive, http.StateIdle, http.StateClosed} {
		lim.ConnState(x, s)
		lim.ConnState(p.server, s)
	}
	if st := lim.Stats(); st.Open != 0 || st.Idle != 0 {
		t.Errorf("Stats() = %+v, want nothing counted", st)
	}
	_ = p.server.Close()
}

// The canned response is valid HTTP with the License API error body.
func TestBusyResponse(t *testing.T) {
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(busyResponse)), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(busyBody)) || string(body) != busyBody {
		t.Errorf("Content-Length %s for a %d-byte body %q", got, len(busyBody), body)
	}
	var e struct {
		Status  int    `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Status != 503 || e.Code != "server_busy" || e.Message == "" {
		t.Errorf("body %s: %+v %v", body, e, err)
	}
	if !resp.Close || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("header %v: want Connection: close and Retry-After: 1", resp.Header)
	}
}

// Many clients at once against a small cap: whatever each one gets, the count
// never passes the cap and comes back to zero. Mostly a -race test.
func TestConcurrentChurn(t *testing.T) {
	const maxConns, clients, rounds = 8, 16, 20
	lim := New(maxConns, nil)
	addr := startServer(t, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(time.Millisecond)
		}
		_, _ = io.WriteString(w, "ok\n")
	}))

	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok int
	for i := range clients {
		wg.Go(func() {
			for r := range rounds {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					continue
				}
				rc := &rawConn{Conn: c, br: bufio.NewReader(c)}
				path := "/healthz"
				if (i+r)%3 == 0 {
					path = "/slow"
				}
				// Evicted or refused requests fail; that is the point.
				if resp, _, err := rc.get(path); err == nil && resp.StatusCode == http.StatusOK {
					mu.Lock()
					ok++
					mu.Unlock()
				}
				if r%2 == 0 {
					_ = c.Close() // else leave it idle until the end of the round
				} else {
					defer c.Close()
				}
			}
		})
	}
	wg.Wait()
	waitFor(t, "Open() == 0 once the clients hung up", func() bool { return lim.Open() == 0 })
	if ok == 0 {
		t.Error("no request succeeded")
	}
	if st := lim.Stats(); st.Peak > maxConns {
		t.Errorf("Peak = %d, want <= %d", st.Peak, maxConns)
	}
}
