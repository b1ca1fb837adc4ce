// Package connlimit caps the number of connections an http.Server holds open.
//
// Without a cap, idle keep-alive connections (or sockets that never send a
// byte) pile up until the process runs out of file descriptors; Accept then
// fails and every new client, the health check included, stalls.
//
// At the cap a new connection is still accepted, and the limiter makes room by
// closing the connection that matters least, in this order:
//
//  1. the keep-alive connection idle the longest: HTTP/1.1 lets a server close
//     an idle connection at any time and clients reconnect transparently;
//  2. the connection that was accepted and has sent nothing for the longest;
//  3. the connection that started sending request headers the longest ago:
//     most likely a slow-loris, which ReadHeaderTimeout would cut anyway.
//
// A connection whose request is being handled is never closed. When every
// connection is, the new one is answered with a canned 503 server_busy and
// closed. Accept never waits for a slot: a blocked Accept is the stall this
// package exists to prevent.
package connlimit

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// logEvery rate-limits the warning: a flood makes thousands of evictions a
// second, and one line per second with counts says as much.
const logEvery = time.Second

// Limiter caps the connections open through its listeners. One Limiter may
// wrap several listeners (say IPv4 and IPv6); they share the cap.
type Limiter struct {
	max int
	log *slog.Logger
	// refusing bounds the refusals being answered at once (see refuse.go).
	refusing chan struct{}

	mu   sync.Mutex
	open int
	peak int
	// Connections that may be closed to make room, each list ordered by when
	// the connection entered it, so the front is always the one to close:
	// eviction is O(1) however many connections are open.
	idle    list // keep-alive, between requests (http.StateIdle)
	fresh   list // accepted, nothing received yet (http.StateNew)
	partial list // request headers arriving, not yet handled
	evicted uint64
	refused uint64
	// What the last warning reported, so the next one gives what happened since.
	lastLog                      time.Time
	loggedEvicted, loggedRefused uint64
}

// New returns a Limiter that keeps at most maxConns connections open. maxConns
// must be at least 1; a smaller value is a programming error, and New panics
// (the caller validates configuration). log receives the rate-limited
// warnings; nil discards them.
func New(maxConns int, log *slog.Logger) *Limiter {
	if maxConns < 1 {
		panic("connlimit: maxConns must be at least 1")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Limiter{max: maxConns, log: log, refusing: make(chan struct{}, maxRefusing)}
}

// Listener wraps ln so that the connections it accepts count against the cap.
// Set l.ConnState as the server's ConnState (or call it from there): without
// it the limiter cannot tell idle connections from busy ones, and only
// connections that never sent anything can be closed to make room.
//
// The server must see the returned listener's connections, or TLS over them:
// ConnState recognizes those two only. So wrap the plain TCP listener and, for
// TLS, pass the result to http.Server.ServeTLS, which adds TLS on top; a
// refused client then sees a failed handshake rather than the 503, which
// still fails fast.
func (l *Limiter) Listener(ln net.Listener) net.Listener {
	return &listener{Listener: ln, l: l}
}

// ConnState tracks which connections are idle and which are busy. Use it as
// http.Server.ConnState, or call it from the server's own ConnState hook.
// Connections that did not come from l's listeners are ignored.
func (l *Limiter) ConnState(nc net.Conn, s http.ConnState) {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	c, ok := nc.(*conn)
	if !ok || c.l != l {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.closed {
		// Evicted while the server was still finishing with it; it must not
		// come back into a list.
		return
	}
	switch s {
	case http.StateIdle:
		l.moveLocked(c, &l.idle)
	case http.StateActive, http.StateHijacked, http.StateClosed:
		l.moveLocked(c, nil)
	}
	// StateNew: Accept already put the connection in l.fresh.
}

// Open returns the number of connections open now.
func (l *Limiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Stats is a snapshot of the limiter, for logs, metrics and tests.
type Stats struct {
	Max  int // the cap
	Open int // connections open now
	Peak int // highest Open so far, to size the cap
	// Idle is how many open connections could be closed to make room: idle
	// keep-alive, silent, or still sending request headers.
	Idle    int
	Evicted uint64 // connections closed to make room
	Refused uint64 // connections answered 503 because all were busy
}

// Stats returns the current counts.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{
		Max: l.max, Open: l.open, Peak: l.peak,
		Idle:    l.idle.n + l.fresh.n + l.partial.n,
		Evicted: l.evicted, Refused: l.refused,
	}
}

// admit counts c as open, making room first if the cap is reached. It returns
// false when no connection can be closed, and c must be refused. The evicted
// connection, if any, is closed here but outside the lock: closing a socket
// waits for its reader to wake up, and ConnState callbacks must not queue
// behind that.
func (l *Limiter) admit(c *conn) bool {
	l.mu.Lock()
	var victim *conn
	if l.open >= l.max {
		victim = l.idle.front()
		if victim == nil {
			victim = l.fresh.front()
		}
		if victim == nil {
			victim = l.partial.front()
		}
		if victim == nil {
			l.refused++
			rep := l.reportLocked()
			l.mu.Unlock()
			l.warn(rep)
			return false
		}
		// The slot passes to c now; the victim's own Close, whenever the
		// server gets to it, will not count it again.
		l.releaseLocked(victim)
		l.evicted++
	}
	l.open++
	l.peak = max(l.peak, l.open)
	l.moveLocked(c, &l.fresh)
	var rep *report
	if victim != nil {
		rep = l.reportLocked()
	}
	l.mu.Unlock()

	if victim != nil {
		_ = victim.Conn.Close()
		l.warn(rep)
	}
	return true
}

// receiving notes that c, idle or silent so far, has sent bytes: a request is
// on its way, so c is closed only after idle and silent connections.
func (l *Limiter) receiving(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.in == &l.idle || c.in == &l.fresh {
		l.moveLocked(c, &l.partial)
	}
}

// releaseLocked uncounts c, once, whoever closes it first.
func (l *Limiter) releaseLocked(c *conn) {
	if c.closed {
		return
	}
	c.closed = true
	l.moveLocked(c, nil)
	l.open--
}

// moveLocked takes c out of its list, if any, and appends it to to, if not
// nil. Appending keeps each list ordered by when its connections entered it.
func (l *Limiter) moveLocked(c *conn, to *list) {
	if c.in != nil {
		c.in.remove(c)
	}
	if to != nil {
		to.pushBack(c)
	}
	// Read checks this without the lock, so that a busy connection's reads
	// never touch l.mu.
	c.waiting.Store(to == &l.idle || to == &l.fresh)
}

// report is what one warning says.
type report struct {
	open             int
	evicted, refused uint64
}

// reportLocked returns what to log, or nil if the last warning is too recent.
func (l *Limiter) reportLocked() *report {
	now := time.Now()
	if now.Sub(l.lastLog) < logEvery {
		return nil
	}
	r := &report{open: l.open, evicted: l.evicted - l.loggedEvicted, refused: l.refused - l.loggedRefused}
	l.lastLog, l.loggedEvicted, l.loggedRefused = now, l.evicted, l.refused
	return r
}

// warn logs r, outside the lock since a log handler may block. evicted and
// refused count since the previous warning. It carries counts only: the
// limiter never reads requests, and client addresses stay out of the log.
func (l *Limiter) warn(r *report) {
	if r == nil {
		return
	}
	l.log.Warn("connection limit reached: closing idle connections, refusing new ones when all are busy",
		"max", l.max, "open", r.open, "evicted", r.evicted, "refused", r.refused)
}
