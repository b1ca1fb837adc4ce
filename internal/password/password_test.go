package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var fast = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newHasher(t *testing.T, p Params, cfg PoolConfig) *Hasher {
	t.Helper()
	h, err := NewHasher(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func do(t *testing.T, h *Hasher, fn func(Slot) error) {
	t.Helper()
	if err := h.Do(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// The production defaults, run once: OWASP's minimum, encoded in the hash.
func TestDefaultParamsHashAndVerify(t *testing.T) {
	h := newHasher(t, DefaultParams, PoolConfig{Workers: 1})
	do(t, h, func(s Slot) error {
		enc, err := s.Hash("correct horse")
		if err != nil {
			return err
		}
		if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("hash %q does not carry the default parameters", enc)
		}
		ok, rehash, err := s.Verify(enc, "correct horse")
		if err != nil || !ok || rehash {
			t.Errorf("Verify(right) = %v, %v, %v; want true, false, nil", ok, rehash, err)
		}
		ok, _, err = s.Verify(enc, "wrong horse")
		if err != nil || ok {
			t.Errorf("Verify(wrong) = %v, %v; want false, nil", ok, err)
		}
		return nil
	})
}

func TestHashesAreSaltedAndSelfDescribing(t *testing.T) {
	h := newHasher(t, fast, PoolConfig{Workers: 1})
	do(t, h, func(s Slot) error {
		a, _ := s.Hash("same")
		b, _ := s.Hash("same")
		if a == b {
			t.Error("two hashes of one password are equal: no salt")
		}
		return nil
	})
	// A hash made with other parameters still verifies: they are read from
	// the hash, not from the hasher.
	strong := newHasher(t, Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, PoolConfig{Workers: 1})
	var enc string
	do(t, strong, func(s Slot) error { enc, _ = s.Hash("pw"); return nil })
	do(t, h, func(s Slot) error {
		ok, rehash, err := s.Verify(enc, "pw")
		if err != nil || !ok || rehash {
			t.Errorf("Verify of a stronger hash = %v, %v, %v; want true, false, nil", ok, rehash, err)
		}
		return nil
	})
}

func TestVerifyReportsRehashForWeakerHashes(t *testing.T) {
	weak := newHasher(t, fast, PoolConfig{Workers: 1})
	var enc string
	do(t, weak, func(s Slot) error { enc, _ = s.Hash("pw"); return nil })
	strong := newHasher(t, Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, PoolConfig{Workers: 1})
	do(t, strong, func(s Slot) error {
		ok, rehash, err := s.Verify(enc, "pw")
		if err != nil || !ok || !rehash {
			t.Errorf("Verify(weak hash) = %v, %v, %v; want true, true, nil", ok, rehash, err)
		}
		ok, rehash, _ = s.Verify(enc, "not it")
		if ok || rehash {
			t.Errorf("a wrong password must never ask for a rehash")
		}
		return nil
	})
}

func TestMalformedHashes(t *testing.T) {
	h := newHasher(t, fast, PoolConfig{Workers: 1})
	for _, enc := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$a2V5",
	} {
		do(t, h, func(s Slot) error {
			if ok, _, err := s.Verify(enc, "pw"); ok || !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify(%q) = %v, %v; want ErrMalformedHash", enc, ok, err)
			}
			return nil
		})
	}
}

// With every worker busy and the queue full, Do refuses at once.
func TestPoolRefusesWhenQueueFull(t *testing.T) {
	h := newHasher(t, fast, PoolConfig{Workers: 1, Queue: 1, MaxWait: time.Minute})
	hold, held := make(chan struct{}), make(chan struct{})
	go h.Do(context.Background(), func(Slot) error { close(held); <-hold; return nil })
	<-held
	waiter := make(chan error, 1)
	go func() { waiter <- h.Do(context.Background(), func(Slot) error { return nil }) }()
	// Wait until the waiter is queued.
	for h.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	if err := h.Do(context.Background(), func(Slot) error { t.Error("ran past a full queue"); return nil }); !errors.Is(err, ErrBusy) {
		t.Fatalf("Do with a full queue = %v, want ErrBusy", err)
	}
	close(hold)
	if err := <-waiter; err != nil {
		t.Fatalf("queued Do = %v, want it to run once a worker is free", err)
	}
}

func TestPoolGivesUpAfterMaxWait(t *testing.T) {
	h := newHasher(t, fast, PoolConfig{Workers: 1, Queue: 5, MaxWait: 20 * time.Millisecond})
	hold, held := make(chan struct{}), make(chan struct{})
	go h.Do(context.Background(), func(Slot) error { close(held); <-hold; return nil })
	<-held
	defer close(hold)
	if err := h.Do(context.Background(), func(Slot) error { return nil }); !errors.Is(err, ErrBusy) {
		t.Fatalf("Do = %v, want ErrBusy after MaxWait", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Do(ctx, func(Slot) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Do with a cancelled context = %v, want context.Canceled", err)
	}
}

// However many callers, no more than Workers hashes run at once.
func TestPoolBoundsConcurrency(t *testing.T) {
	h := newHasher(t, fast, PoolConfig{Workers: 3, Queue: 100, MaxWait: time.Minute})
	var running, peak atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := h.Do(context.Background(), func(s Slot) error {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				_, err := s.Hash("pw")
				time.Sleep(time.Millisecond)
				running.Add(-1)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || p < 1 {
		t.Fatalf("peak concurrency %d, want 1..3", p)
	}
	if m := h.MaxConcurrent(); m > 3 {
		t.Fatalf("MaxConcurrent = %d, want <= 3", m)
	}
}

func TestParamsValidate(t *testing.T) {
	for _, p := range []Params{
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 4, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
	} {
		if _, err := NewHasher(p, PoolConfig{Workers: 1}); err == nil {
			t.Errorf("NewHasher(%+v) accepted invalid parameters", p)
		}
	}
	if _, err := NewHasher(fast, PoolConfig{Workers: 0}); err == nil {
		t.Error("NewHasher accepted zero workers")
	}
}
