package password

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrBusy is returned when the hashing queue is full or a request waited too
// long for a hashing slot. Callers answer 503 server_busy with Retry-After.
var ErrBusy = errors.New("password: hashing queue full")

// PoolConfig bounds the hashing work.
type PoolConfig struct {
	// Workers is how many hashes may run at once (default: CPU cores).
	Workers int
	// Queue is how many requests may wait for a worker; beyond it callers get
	// ErrBusy at once.
	Queue int
	// MaxWait is how long a request may wait for a worker before ErrBusy.
	MaxWait time.Duration
}

// Hasher hashes and verifies passwords with Argon2id through a bounded pool.
// Memory is bounded by Workers × Params.Memory plus the waiting requests.
type Hasher struct {
	params  Params
	cfg     PoolConfig
	slots   chan struct{}
	waiting atomic.Int64

	mu        sync.Mutex
	running   int
	maxActive int   // high-water mark of concurrent hashes, for tests and metrics
	runs      int64 // slots granted: requests that hashed, for tests and metrics

	// dummy is a hash no password matches, verified for unknown users.
	dummy string
}

// NewHasher returns a Hasher that hashes new passwords with params.
func NewHasher(params Params, cfg PoolConfig) (*Hasher, error) {
	if err := params.Validate(); err != nil {
		return nil, err
	}
	if cfg.Workers < 1 {
		return nil, errors.New("password: at least one hashing worker is needed")
	}
	if cfg.Queue < 0 {
		return nil, errors.New("password: hashing queue length cannot be negative")
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 10 * time.Second
	}
	// The dummy is made up front, not on first use, so that even the first
	// unknown user costs exactly one verification.
	dummy, err := hash(params, "licensor dummy password")
	if err != nil {
		return nil, err
	}
	return &Hasher{params: params, cfg: cfg, slots: make(chan struct{}, cfg.Workers), dummy: dummy}, nil
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// RetryAfter is the delay suggested to clients that got ErrBusy.
func (h *Hasher) RetryAfter() time.Duration { return time.Second }

// MaxConcurrent reports the largest number of hashes that ever ran at once.
func (h *Hasher) MaxConcurrent() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.maxActive
}

// Runs reports how many requests were given a hashing worker.
func (h *Hasher) Runs() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.runs
}

// Slot is a held hashing worker; its methods may only be used inside the
// function passed to Do.
type Slot struct{ h *Hasher }

// Do waits for a hashing worker, runs fn with it and releases it. All the
// hashing one request needs (verify the old password, hash the new one) runs
// under one slot, so a request admitted to the pool is never refused
// half-way.
func (h *Hasher) Do(ctx context.Context, fn func(Slot) error) error {
	select {
	case h.slots <- struct{}{}: // fast path: a worker is free
	default:
		if h.waiting.Add(1) > int64(h.cfg.Queue) {
			h.waiting.Add(-1)
			return ErrBusy
		}
		t := time.NewTimer(h.cfg.MaxWait)
		select {
		case h.slots <- struct{}{}:
			t.Stop()
			h.waiting.Add(-1)
		case <-t.C:
			h.waiting.Add(-1)
			return ErrBusy
		case <-ctx.Done():
			t.Stop()
			h.waiting.Add(-1)
			return ctx.Err()
		}
	}
	h.mu.Lock()
	h.running++
	h.runs++
	h.maxActive = max(h.maxActive, h.running)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.running--
		h.mu.Unlock()
		<-h.slots
	}()
	return fn(Slot{h})
}

// Hash returns the Argon2id PHC string of pw with the current parameters.
func (s Slot) Hash(pw string) (string, error) { return hash(s.h.params, pw) }

// Verify checks pw against encoded. rehash reports that the password was
// right but the hash uses weaker parameters than the current ones, so the
// caller should store a fresh hash.
func (s Slot) Verify(encoded, pw string) (ok, rehash bool, err error) {
	ok, p, err := verify(encoded, pw)
	if err != nil {
		return false, false, err
	}
	return ok, ok && p.weakerThan(s.h.params), nil
}

// VerifyDummy spends the same time as Verify against a hash that no password
// matches; it answers for unknown users so that response timing does not
// reveal which usernames exist.
func (s Slot) VerifyDummy(pw string) {
	_, _, _ = verify(s.h.dummy, pw)
}
