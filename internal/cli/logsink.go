package cli

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logSink buffers log output and flushes it every interval, or when the
// buffer fills: one write system call per request line would cost a busy
// server a large part of its throughput. At most interval of log lines is
// lost if the process is killed without Close.
type logSink struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newLogSink(w io.Writer, interval time.Duration) *logSink {
	s := &logSink{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.flush()
			case <-s.stop:
				s.flush()
				return
			}
		}
	}()
	return s
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *logSink) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.w.Flush()
}

// Close flushes what is buffered and stops the flusher.
func (s *logSink) Close() error {
	close(s.stop)
	<-s.done
	return nil
}
