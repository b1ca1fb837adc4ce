package connlimit

import (
	"bufio"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// waitFor polls cond every few milliseconds and fails the test if it is still
// false after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startServer serves h on 127.0.0.1 through lim and returns the address.
// Cleanup closes the server and checks that no connection stays counted.
func startServer(t *testing.T, lim *Limiter, h http.Handler) string {
	t.Helper()
	ln := listen(t)
	srv := &http.Server{
		Handler:   h,
		ConnState: lim.ConnState,
		// Long enough that no timeout closes the test's silent connections:
		// only the limiter does.
		ReadHeaderTimeout: time.Minute,
		IdleTimeout:       time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lim.Listener(ln))
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
		waitFor(t, "Open() == 0 after the server closed", func() bool { return lim.Open() == 0 })
	})
	return ln.Addr().String()
}

// okHandler answers the health check.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "ok\n")
})

// rawConn is a client connection driven by hand, so the test decides exactly
// when it sends and when it stays silent.
type rawConn struct {
	net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return &rawConn{Conn: c, br: bufio.NewReader(c)}
}

func (c *rawConn) send(path string) error {
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
	return err
}

// read reads one response and its body.
func (c *rawConn) read() (*http.Response, string, error) {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return nil, "", err
	}
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

func (c *rawConn) get(path string) (*http.Response, string, error) {
	if err := c.send(path); err != nil {
		return nil, "", err
	}
	return c.read()
}

// closedByPeer reports whether the server closed c: a read ends with EOF or a
// reset rather than a timeout.
func closedByPeer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// freshGet fetches path on a new connection, as a new client would.
func freshGet(t *testing.T, addr, path string) (int, time.Duration) {
	t.Helper()
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true},
	}
	start := time.Now()
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

func closeAll(conns []*rawConn) {
	for _, c := range conns {
		_ = c.Close()
	}
}
