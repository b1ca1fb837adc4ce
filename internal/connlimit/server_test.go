package connlimit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The probe's flood: keep-alive connections that made one request and stay
// open. The oldest idle ones are closed to make room, the newest keep
// working, and a new client still gets the health check.
func TestIdleKeepAliveFlood(t *testing.T) {
	const maxConns, flood = 50, 300
	lim := New(maxConns, nil)
	addr := startServer(t, lim, okHandler)

	conns := make([]*rawConn, 0, flood)
	defer func() { closeAll(conns) }()
	for i := range flood {
		c := dial(t, addr)
		conns = append(conns, c)
		resp, _, err := c.get("/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("conn %d: GET /healthz: %v %v", i, resp, err)
		}
		if open := lim.Open(); open > maxConns {
			t.Fatalf("conn %d: Open() = %d, want <= %d", i, open, maxConns)
		}
	}

	code, took := freshGet(t, addr, "/healthz")
	if code != http.StatusOK || took > 2*time.Second {
		t.Fatalf("fresh GET /healthz during the flood: %d in %v, want 200 within 2s", code, took)
	}
	// The most recently used connections were not evicted.
	for i := flood - 10; i < flood; i++ {
		if resp, _, err := conns[i].get("/healthz"); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("conn %d, second request: %v %v", i, resp, err)
		}
	}
	// The oldest were.
	if !closedByPeer(conns[0]) {
		t.Error("the longest-idle connection is still open")
	}
	st := lim.Stats()
	// 300 + 1 connections admitted, at most 50 kept: each one over the cap
	// closed exactly one idle connection and none was refused.
	if st.Peak > maxConns || st.Evicted != flood+1-maxConns || st.Refused != 0 {
		t.Errorf("Stats() = %+v, want Peak <= %d, Evicted = %d, Refused = 0", st, maxConns, flood+1-maxConns)
	}

	closeAll(conns)
	waitFor(t, "Open() == 0 once the clients hung up", func() bool { return lim.Open() == 0 })
}

// Connections that never send a byte (they stay in http.StateNew) cannot pin
// the server either.
func TestSilentFlood(t *testing.T) {
	const maxConns, flood = 50, 300
	lim := New(maxConns, nil)
	addr := startServer(t, lim, okHandler)

	conns := make([]*rawConn, 0, flood)
	defer func() { closeAll(conns) }()
	for range flood {
		conns = append(conns, dial(t, addr))
	}
	waitFor(t, "the server to accept the whole flood", func() bool {
		return lim.Stats().Evicted == flood-maxConns
	})

	code, took := freshGet(t, addr, "/healthz")
	if code != http.StatusOK || took > 2*time.Second {
		t.Fatalf("fresh GET /healthz during the flood: %d in %v, want 200 within 2s", code, took)
	}
	if !closedByPeer(conns[0]) {
		t.Error("the longest-silent connection is still open")
	}
	if st := lim.Stats(); st.Peak > maxConns || st.Refused != 0 {
		t.Errorf("Stats() = %+v, want Peak <= %d, Refused = 0", st, maxConns)
	}

	closeAll(conns)
	waitFor(t, "Open() == 0 once the clients hung up", func() bool { return lim.Open() == 0 })
}

// When every connection is busy with a request, a new one gets the canned 503
// at once; once the requests finish, new clients are served again.
func TestAllBusyRefused(t *testing.T) {
	const maxConns = 4
	lim := New(maxConns, nil)
	entered := make(chan struct{})
	release := make(chan struct{})
	addr := startServer(t, lim, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			entered <- struct{}{}
			<-release
		}
		_, _ = io.WriteString(w, "ok\n")
	}))

	busy := make([]*rawConn, 0, maxConns)
	defer func() { closeAll(busy) }()
	for range maxConns {
		c := dial(t, addr)
		busy = append(busy, c)
		if err := c.send("/block"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-entered:
		case <-time.After(5 * time.Second):
			t.Fatal("request never reached the handler")
		}
	}

	c := dial(t, addr)
	defer c.Close()
	start := time.Now()
	resp, body, err := c.get("/healthz")
	took := time.Since(start)
	if err != nil {
		t.Fatalf("5th connection: %v", err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || took > time.Second {
		t.Errorf("5th connection: %d in %v, want 503 within 1s", resp.StatusCode, took)
	}
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if body != busyBody {
		t.Errorf("body = %s, want %s", body, busyBody)
	}
	if !closedByPeer(c) {
		t.Error("the refused connection was left open")
	}
	if st := lim.Stats(); st.Open != maxConns || st.Refused != 1 || st.Evicted != 0 {
		t.Errorf("Stats() = %+v, want Open = %d, Refused = 1, Evicted = 0", st, maxConns)
	}

	close(release)
	for i, c := range busy {
		if resp, _, err := c.read(); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("blocked request %d: %v %v", i, resp, err)
		}
	}
	// Still 4 connections open, soon idle (the server goes idle just after
	// the client has its response): the new client takes one's place.
	waitFor(t, "the released connections to be idle", func() bool { return lim.Stats().Idle == maxConns })
	if code, _ := freshGet(t, addr, "/healthz"); code != http.StatusOK {
		t.Fatalf("GET /healthz after release: %d, want 200", code)
	}

	closeAll(busy)
	waitFor(t, "Open() == 0 once the clients hung up", func() bool { return lim.Open() == 0 })
}

// Behind TLS the server passes a *tls.Conn to ConnState; the limiter must
// still see the connections go idle.
func TestTLSIdleTracked(t *testing.T) {
	const maxConns = 2
	lim := New(maxConns, nil)
	ts := httptest.NewUnstartedServer(okHandler)
	ts.Listener = lim.Listener(ts.Listener)
	ts.Config.ConnState = lim.ConnState
	ts.StartTLS()
	defer ts.Close()

	for i := range 5 {
		// A transport per request: a new connection each time, left idle.
		tr := ts.Client().Transport.(*http.Transport).Clone()
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 2 * time.Second}).Get(ts.URL + "/healthz")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		// The server goes idle just after the client has its response; with
		// a cap of 2 the next request must not race it.
		waitFor(t, "every open connection to be idle", func() bool {
			lim.mu.Lock()
			defer lim.mu.Unlock()
			return lim.open == min(i+1, maxConns) && lim.idle.n == lim.open
		})
	}
	if st := lim.Stats(); st.Peak > maxConns || st.Evicted != 5-maxConns {
		t.Errorf("Stats() = %+v, want Peak <= %d, Evicted = %d", st, maxConns, 5-maxConns)
	}
	ts.Close()
	waitFor(t, "Open() == 0 after the server closed", func() bool { return lim.Open() == 0 })
}
