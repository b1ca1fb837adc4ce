package connlimit

import (
	"net"
	"net/http"
	"testing"
)

// pipeListener accepts in-memory connections at once, so the benchmarks
// measure the limiter's bookkeeping rather than the network.
type pipeListener struct{}

func (pipeListener) Accept() (net.Conn, error) {
	c, _ := net.Pipe()
	return c, nil
}
func (pipeListener) Close() error   { return nil }
func (pipeListener) Addr() net.Addr { return &net.TCPAddr{} }

// Below the cap: Accept, one request, Close.
func BenchmarkAcceptClose(b *testing.B) {
	lim := New(1, nil)
	ln := lim.Listener(pipeListener{})
	for b.Loop() {
		c, _ := ln.Accept()
		lim.ConnState(c, http.StateNew)
		lim.ConnState(c, http.StateActive)
		lim.ConnState(c, http.StateIdle)
		_ = c.Close()
		lim.ConnState(c, http.StateClosed)
	}
}

// At the cap with 20,000 idle connections: every Accept evicts one. The cost
// must not grow with the number of connections.
func BenchmarkAcceptAtCap(b *testing.B) {
	const n = 20000
	lim := New(n, nil)
	ln := lim.Listener(pipeListener{})
	for range n {
		c, _ := ln.Accept()
		lim.ConnState(c, http.StateIdle)
	}
	for b.Loop() {
		c, _ := ln.Accept()
		lim.ConnState(c, http.StateIdle)
	}
	if st := lim.Stats(); st.Open != n {
		b.Fatalf("Open = %d, want %d", st.Open, n)
	}
}

// Baseline for the two above: the in-memory connection alone.
func BenchmarkPipeOnly(b *testing.B) {
	for b.Loop() {
		c, _ := pipeListener{}.Accept()
		_ = c.Close()
	}
}
