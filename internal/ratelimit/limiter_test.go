package ratelimit

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand; atomic so racing goroutines
// may read it.
type fakeClock struct{ ns atomic.Int64 }

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *fakeClock) now() time.Time      { return epoch.Add(time.Duration(c.ns.Load())) }
func (c *fakeClock) add(d time.Duration) { c.ns.Add(int64(d)) }
func newLimiter(r Rule, maxKeys int) (*Limiter, *fakeClock) {
	c := &fakeClock{}

	return New(r, maxKeys, c.now), c
}

// drain calls Allow until it refuses and returns how many were allowed and
// the refusal's retryAfter.
func drain(t *testing.T, l *Limiter, key string) (int, time.Duration) {
	t.Helper()
	for n := 0; n < 1e7; n++ {
		if ok, retry := l.Allow(key); !ok {
			return n, retry
		}
	}
	t.Fatalf("key %q was never refused", key)

	return 0, 0
}

func TestBurstThenRefuse(t *testing.T) {
	l, clk := newLimiter(Rule{200, 10 * time.Second}, 0)
	n, retry := drain(t, l, "a")
	if n != 200 || retry != 50*time.Millisecond {
		t.Fatalf("burst: allowed %d, retryAfter %v; want 200, 50ms", n, retry)
	}
	clk.add(49 * time.Millisecond)
	if ok, retry := l.Allow("a"); ok || retry != time.Millisecond {
		t.Fatalf("after 49ms: Allow = %v, %v; want false, 1ms", ok, retry)
	}
	clk.add(time.Millisecond)
	if ok, retry := l.Allow("a"); !ok || retry != 0 {
		t.Fatalf("after 50ms: Allow = %v, %v; want true, 0", ok, retry)
	}
	if ok, retry := l.Allow("a"); ok || retry != 50*time.Millisecond {
		t.Fatalf("right after the refill: Allow = %v, %v; want false, 50ms", ok, retry)
	}
}

// AllowAt uses the time it is given, not the limiter's clock.
func TestAllowAt(t *testing.T) {
	l, clk := newLimiter(Rule{2, time.Second}, 0)
	t0 := clk.now()
	l.AllowAt("a", t0)
	l.AllowAt("a", t0)
	if ok, retry := l.AllowAt("a", t0.Add(100*time.Millisecond)); ok || retry != 400*time.Millisecond {
		t.Errorf("AllowAt(t0+100ms) = %v, %v; want false, 400ms", ok, retry)
	}
	if ok, _ := l.AllowAt("a", t0.Add(500*time.Millisecond)); !ok {
		t.Error("AllowAt(t0+500ms) refused; one token has refilled")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Error("Allow at the limiter's clock (t0) allowed a drained key")
	}
}

func TestRefillRate(t *testing.T) {
	l, clk := newLimiter(Rule{200, 10 * time.Second}, 0)
	drain(t, l, "a")
	clk.add(time.Second)
	if n, _ := drain(t, l, "a"); n != 20 {
		t.Errorf("1s after draining 200/10s: allowed %d, want 20", n)
	}
	clk.add(time.Hour)
	if n, _ := drain(t, l, "a"); n != 200 {
		t.Errorf("an hour idle: allowed %d, want the capacity 200", n)
	}

	// Sustained: polling faster than the rate for many windows yields the
	// burst plus exactly Limit per window (3/1s has an inexact interval,
	// rounded up by 1 ns, which may cost the last token).
	for _, r := range []Rule{{200, 10 * time.Second}, {1000, time.Minute}, {3, time.Second}} {
		l, clk := newLimiter(r, 0)
		const windows = 50
		step := r.Window / time.Duration(r.Limit) / 3
		allowed := 0
		for end := r.Window * windows; time.Duration(clk.ns.Load()) <= end; clk.add(step) {
			if ok, _ := l.Allow("k"); ok {
				allowed++
			}
		}
		if want := r.Limit * (windows + 1); allowed != want && allowed != want-1 {
			t.Errorf("%v over %d windows: allowed %d, want %d", r, windows, allowed, want)
		}
	}
}

func TestKeysIndependent(t *testing.T) {
	l, _ := newLimiter(Rule{3, time.Minute}, 0)
	drain(t, l, "a")
	if n, _ := drain(t, l, "b"); n != 3 {
		t.Errorf("b after a was drained: allowed %d, want 3", n)
	}
	if ok, _ := l.Allow("a"); ok {
		t.Error("a allowed after b was drained")
	}
}

func TestDisabledAlwaysAllows(t *testing.T) {
	for _, r := range []Rule{{}, {Window: time.Second}, {Limit: 5}, {-1, time.Second}} {
		l, _ := newLimiter(r, 10)
		for i := range 1000 {
			if ok, retry := l.Allow(strconv.Itoa(i % 3)); !ok || retry != 0 {
				t.Fatalf("%+v: Allow = %v, %v; want true, 0", r, ok, retry)
			}
		}
		if n := l.Len(); n != 0 {
			t.Errorf("%+v: disabled limiter holds %d buckets", r, n)
		}
	}
}

func TestAllowDoesNotAllocate(t *testing.T) {
	l, _ := newLimiter(Rule{5, time.Minute}, 0)
	key := string([]byte("198.51.100.7")) // not a constant, as from a request
	l.Allow(key)
	if a := testing.AllocsPerRun(1000, func() { l.Allow(key) }); a != 0 {
		t.Errorf("Allow on an existing key: %v allocs/op, want 0", a)
	}
	big, clk := newLimiter(Rule{1 << 30, time.Second}, 0) // never refuses
	big.Allow(key)
	if a := testing.AllocsPerRun(1000, func() { big.Allow(key) }); a != 0 {
		t.Errorf("Allow (allowed path): %v allocs/op, want 0", a)
	}
	now := clk.now()
	if a := testing.AllocsPerRun(1000, func() { big.AllowAt(key, now) }); a != 0 {
		t.Errorf("AllowAt: %v allocs/op, want 0", a)
	}
}

// Many goroutines racing on one key at one instant of the fake clock never
// get more than Limit in total, and after k intervals exactly k more.
func TestConcurrentOneKey(t *testing.T) {
	const limit, goroutines, tries = 100, 16, 500
	l, clk := newLimiter(Rule{limit, time.Hour}, 0)
	race := func() int64 {
		var allowed atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range goroutines {
			wg.Go(func() {
				<-start
				for range tries {
					if ok, _ := l.Allow("one"); ok {
						allowed.Add(1)
					}
				}
			})
		}
		close(start)
		wg.Wait()

		return allowed.Load()
	}
	if n := race(); n != limit {
		t.Fatalf("allowed %d in one instant, want %d", n, limit)
	}
	clk.add(7 * time.Hour / limit)
	if n := race(); n != 7 {
		t.Fatalf("allowed %d after 7 intervals, want 7", n)
	}
}

// Racing inserts, evictions and a moving clock keep the bound (run with -race).
func TestConcurrentManyKeys(t *testing.T) {
	const maxKeys = 512
	l, clk := newLimiter(Rule{5, time.Second}, maxKeys)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5000 {
				l.Allow(strconv.Itoa(g) + "/" + strconv.Itoa(i%3000))
				if i%100 == 0 {
					clk.add(10 * time.Millisecond)
					if n := l.Len(); n > maxKeys {
						t.Errorf("%d buckets, want <= %d", n, maxKeys)
					}
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkAllow runs Allow on known keys from parallel goroutines with the
// real clock. A rule that never refuses measures the allowed path (a read and
// a write of the bucket); the refused path only reads. The AllowAt cases
// pass a time read beforehand, which is the limiter's own cost.
func BenchmarkAllow(b *testing.B) {
	for _, c := range []struct {
		name    string
		rule    Rule
		sameKey bool
		at      bool
	}{
		{"allowed/own-key", Rule{1 << 30, time.Second}, false, false},
		{"refused/own-key", Rule{200, 10 * time.Second}, false, false},
		{"allowed/same-key", Rule{1 << 30, time.Second}, true, false},
		{"AllowAt/allowed/own-key", Rule{1 << 30, time.Second}, false, true},
		{"AllowAt/allowed/same-key", Rule{1 << 30, time.Second}, true, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := New(c.rule, 0, nil)
			for i := range 10000 { // a realistically populated table
				l.Allow("203.0.113." + strconv.Itoa(i))
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				key := "192.0.2.1"
				if !c.sameKey {
					key = "198.51.100." + strconv.FormatInt(next.Add(1), 10)
				}
				l.Allow(key)
				if c.at {
					t := time.Now()
					for pb.Next() {
						l.AllowAt(key, t)
					}

					return
				}
				for pb.Next() {
					l.Allow(key)
				}
			})
		})
	}
}
