package licensor

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrNotFloating is returned by [Manager.StartFloating] when the stored
// license is not a floating cloud license: it has no seat to keep.
var ErrNotFloating = errors.New("licensor: the license is not a floating cloud license")

// minFloatingInterval bounds the default keep-alive interval from below,
// whatever floating_timeout the server gives.
const minFloatingInterval = 30 * time.Second

// FloatingOptions configure [Manager.StartFloating].
type FloatingOptions struct {
	// Interval is the time between checks; 0 means half the license's
	// floating timeout (as the last check answered it), so that one failed
	// check still leaves the seat held.
	Interval time.Duration
	// OnError receives the error of every failed keep-alive check (such as
	// a *NetworkError, or no_available_floating_slots when the seat was
	// lost) and the *ConsumptionError of the consumption sent with each
	// check. Refused units stay pending, so their refusal comes back with
	// every check until the server accepts them or the application drops
	// them (Manager.DiscardLocalConsumption). It runs on the keep-alive
	// goroutine; nil ignores them. The session goes on checking after an
	// error.
	OnError func(error)
	// Wait waits d, returning early with ctx's error when the session
	// stops; nil means a timer. For tests.
	Wait func(ctx context.Context, d time.Duration) error
}

// FloatingSession holds the device's seat of a floating cloud license: it
// checks the license (which renews the seat) every interval until Stop,
// which releases the seat.
type FloatingSession struct {
	m    *Manager
	id   Identity
	opts FloatingOptions

	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	license *License

	stopOnce sync.Once
	stopErr  error
}

// StartFloating takes the device's floating seat with an online check (as
// Check does: pending consumption sent, license file rewritten) and keeps
// it with a check every interval. The first check's error is returned
// (no_available_floating_slots when every seat is taken); later ones go to
// OnError. ctx bounds the first check only; the session runs until Stop.
func (m *Manager) StartFloating(ctx context.Context, opts FloatingOptions) (*FloatingSession, error) {
	st, err := m.load()
	if err != nil {
		return nil, err
	}
	id := st.request.identity()
	r, refused, err := m.checkOnline(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.License.IsFloatingCloud {
		return nil, ErrNotFloating
	}
	if opts.Wait == nil {
		opts.Wait = sleep
	}
	loop, cancel := context.WithCancel(context.Background())
	s := &FloatingSession{m: m, id: id, opts: opts, cancel: cancel, done: make(chan struct{}), license: r.License}
	s.report(refused)
	go s.run(loop)
	return s, nil
}

// License is the license as the last successful check answered it.
func (s *FloatingSession) License() *License {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.license
}

// interval is the wait before the next check.
func (s *FloatingSession) interval() time.Duration {
	if s.opts.Interval > 0 {
		return s.opts.Interval
	}
	return max(s.License().FloatingTimeout/2, minFloatingInterval)
}

func (s *FloatingSession) run(ctx context.Context) {
	defer close(s.done)
	for {
		if s.opts.Wait(ctx, s.interval()) != nil {
			return
		}
		r, refused, err := s.m.checkOnline(ctx, s.id)
		if ctx.Err() != nil {
			return // stopped during the check
		}
		if err == nil {
			s.mu.Lock()
			s.license = r.License
			s.mu.Unlock()
		}
		s.report(refused)
		if err != nil && s.opts.OnError != nil {
			s.opts.OnError(err)
		}
	}
}

// report passes a refusal of the consumption (nil if none) to OnError.
func (s *FloatingSession) report(refused error) {
	if refused != nil && s.opts.OnError != nil {
		s.opts.OnError(refused)
	}
}

// Stop ends the keep-alive (cancelling a check under way; its pending
// consumption stays pending) and releases the seat (floating/release), so
// another device can take it at once. Later calls return the first call's
// result.
func (s *FloatingSession) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.cancel()
		<-s.done
		s.stopErr = s.m.client.FloatingRelease(ctx, s.id)
	})
	return s.stopErr
}
