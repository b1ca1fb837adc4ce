package connlimit

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
)

// listener counts what it accepts against its Limiter.
type listener struct {
	net.Listener
	l *Limiter
}

// Accept returns the next connection the Limiter admits. A connection that
// cannot be admitted is answered 503 in the background and Accept moves on to
// the next one, so the server's accept loop never waits for a slot.
func (ln *listener) Accept() (net.Conn, error) {
	for {
		nc, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &conn{Conn: nc, l: ln.l}
		if ln.l.admit(c) {
			return c, nil
		}
		ln.l.refuse(nc)
	}
}

// conn is an accepted connection. It is the net.Conn the http.Server sees, and
// so the one it passes to ConnState.
type conn struct {
	net.Conn
	l *Limiter

	// waiting is true while c is idle or silent; Read checks it without the
	// lock. Written under l.mu.
	waiting atomic.Bool

	// Guarded by l.mu.
	prev, next *conn
	in         *list // the list holding c; nil while busy or closed
	closed     bool  // uncounted already; see Limiter.releaseLocked
}

// Read notices the first bytes of a request on an idle or silent connection,
// so that it is no longer among the first closed to make room.
func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.waiting.Load() {
		c.l.receiving(c)
	}
	return n, err
}

// Close uncounts c, exactly once, whoever calls it: the server, a handler that
// hijacked c, or a second Close after an eviction.
func (c *conn) Close() error {
	c.l.mu.Lock()
	c.l.releaseLocked(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// CloseWrite passes through to the TCP connection: net/http half-closes before
// closing so that a client still sending does not get a reset that destroys
// the response, and it only does so if the conn has this method.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// ReadFrom passes through to the TCP connection, which net/http uses to send
// files with sendfile(2) rather than copying them through user space.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	// Hide c's own ReadFrom from io.Copy, which would call it again.
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// list is an intrusive doubly-linked list of conns: adding, removing and
// taking the front are O(1) and allocate nothing, which matters with tens of
// thousands of connections changing state.
type list struct {
	head, tail *conn
	n          int
}

func (q *list) front() *conn { return q.head }

func (q *list) pushBack(c *conn) {
	c.in, c.prev, c.next = q, q.tail, nil
	if q.tail != nil {
		q.tail.next = c
	} else {
		q.head = c
	}
	q.tail = c
	q.n++
}

func (q *list) remove(c *conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		q.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		q.tail = c.prev
	}
	c.in, c.prev, c.next = nil, nil, nil
	q.n--
}
