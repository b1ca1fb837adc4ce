package connlimit

import (
	"io"
	"net"
	"time"
)

// busyBody is the License API error shape (license-api.md §1.1) with the code
// the server already uses when it is overloaded.
const busyBody = `{"status":503,"code":"server_busy","message":"too many connections, retry later"}`

// busyResponse is written straight on the socket, without reading the request:
// a refused connection gets no goroutine in net/http and no buffers. The test
// checks Content-Length against busyBody.
const busyResponse = "HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: application/json\r\n" +
	"Retry-After: 1\r\n" +
	"Connection: close\r\n" +
	"Content-Length: 81\r\n" +
	"\r\n" + busyBody

const (
	// maxRefusing bounds the refused connections being answered at once.
	// Each holds a descriptor for up to refuseLinger, so at worst the process
	// has max + maxRefusing + 1 sockets open for the server.
	maxRefusing = 64
	// refuseLinger bounds the whole answer: the write (instant on a fresh
	// socket, whose send buffer is empty) and the drain below. It is
	// net/http's own delay for the same purpose (rstAvoidanceDelay).
	refuseLinger = 500 * time.Millisecond
	// refuseDrain bounds what a refused client may make us read.
	refuseDrain = 64 << 10
)

// refuse answers nc 503 and closes it, in the background so that the accept
// loop goes straight back to Accept.
func (l *Limiter) refuse(nc net.Conn) {
	select {
	case l.refusing <- struct{}{}:
		go func() {
			defer func() { <-l.refusing }()
			answerBusy(nc)
		}()
	default:
		// Already answering maxRefusing others: try the write, which the
		// kernel takes at once or the deadline cuts, and close. The client
		// may get a reset instead of the 503; either way it fails fast.
		_ = nc.SetWriteDeadline(time.Now().Add(time.Millisecond))
		_, _ = io.WriteString(nc, busyResponse)
		_ = nc.Close()
	}
}

// answerBusy writes the 503, then half-closes and reads what the client sent
// until it closes or refuseLinger passes. Closing a socket that still has
// unread input makes the kernel send a reset, and a reset can destroy the
// response before the client reads it.
func answerBusy(nc net.Conn) {
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(refuseLinger))
	if _, err := io.WriteString(nc, busyResponse); err != nil {
		return
	}
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(nc, refuseDrain))
}
