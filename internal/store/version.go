package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// contentGeneration tracks the data_version row that triggers bump on every
// change to what the License API shows (migration 0003). Caches tag what
// they store with Generation() and drop it once the generation moved on.
//
// This process refreshes it right after each of its own write transactions,
// so its own changes are seen at once; changes by other processes (the CLI,
// other instances) are seen by WatchContent's polling.
type contentGeneration struct {
	mu     sync.Mutex
	lastDB int64
	gen    atomic.Uint64
}

// Generation is a number that changes whenever the data the License API
// shows may have changed.
func (s *Store) Generation() uint64 { return s.content.gen.Load() }

// RefreshGeneration reads the content version and moves the generation on
// if it changed.
func (s *Store) RefreshGeneration(ctx context.Context) error {
	var v int64
	if err := s.read.QueryRowContext(ctx, `SELECT version FROM data_version WHERE id = 1`).Scan(&v); err != nil {
		// Unknown: assume everything changed.
		s.content.gen.Add(1)
		return fmt.Errorf("read content version: %w", err)
	}
	s.content.mu.Lock()
	defer s.content.mu.Unlock()
	if v != s.content.lastDB {
		s.content.lastDB = v
		s.content.gen.Add(1)
	}
	return nil
}

// WatchContent polls the content version every interval until ctx ends, so
// that changes made by other processes reach this one's caches.
func (s *Store) WatchContent(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.RefreshGeneration(ctx) // a failure already moved the generation on
		}
	}
}
