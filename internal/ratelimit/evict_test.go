package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

func TestBounded(t *testing.T) {
	for _, maxKeys := range []int{1, 7, 100, 5000} {
		l, clk := newLimiter(Rule{10, time.Minute}, maxKeys)
		for i := range 20 * maxKeys {
			l.Allow("k" + strconv.Itoa(i))
			if i%7 == 0 {
				clk.add(time.Second) // some buckets refill, most do not
			}
			if i%97 == 0 || i < 3*maxKeys {
				if n := l.Len(); n > maxKeys {
					t.Fatalf("maxKeys %d: %d buckets after %d keys", maxKeys, n, i+1)
				}
			}
		}
		if n := l.Len(); n > maxKeys || n == 0 {
			t.Errorf("maxKeys %d: %d buckets at the end", maxKeys, n)
		}
	}
}

// A flood of one-request keys, however long, cannot evict a bucket that has
// spent more than one token beyond its refill: eviction takes the buckets
// closest to full first, and a one-request bucket is fuller.
func TestFloodKeepsLimitedKey(t *testing.T) {
	for _, maxKeys := range []int{64, 1000, 1 << 14} {
		l, clk := newLimiter(Rule{200, 10 * time.Second}, maxKeys)
		drain(t, l, "victim")
		for i := range 20 * maxKeys {
			l.Allow("flood" + strconv.Itoa(i))
			if i%1000 == 0 {
				clk.add(time.Microsecond) // under one token's refill (50ms) in total
			}
		}
		if ok, retry := l.Allow("victim"); ok || retry <= 0 {
			t.Errorf("maxKeys %d: victim allowed again after a flood (retryAfter %v)", maxKeys, retry)
		}
	}
}

// What does not hold: when a shard is full of buckets all spent at least as
// far as a key's, the key may be evicted. That only loosens: the key comes
// back with a full bucket, never an emptier one.
func TestEvictionOnlyLoosens(t *testing.T) {
	const maxKeys = 64 // one shard
	l, _ := newLimiter(Rule{2, time.Hour}, maxKeys)
	for i := range 4 * maxKeys {
		drain(t, l, "k"+strconv.Itoa(i))
	}
	if n := l.Len(); n > maxKeys {
		t.Fatalf("%d buckets, want <= %d", n, maxKeys)
	}
	for i := range 4 * maxKeys {
		if n, _ := drain(t, l, "k"+strconv.Itoa(i)); n != 0 && n != 2 {
			t.Errorf("k%d: allowed %d, want 0 (kept) or 2 (evicted, fresh bucket)", i, n)
		}
	}
}

// Buckets that have refilled completely are all dropped as soon as the shard
// is full, before anything with history is evicted.
func TestFullBucketsDropped(t *testing.T) {
	const maxKeys = 64 // one shard
	l, clk := newLimiter(Rule{2, time.Second}, maxKeys)
	drain(t, l, "victim") // empty: full again in 1s
	for i := range maxKeys - 1 {
		l.Allow("old" + strconv.Itoa(i)) // full again in 0.5s
	}
	clk.add(600 * time.Millisecond)
	l.Allow("new")
	if n := l.Len(); n != 2 {
		t.Errorf("%d buckets after the shard filled, want 2 (victim, new)", n)
	}
	if n, _ := drain(t, l, "victim"); n != 1 {
		t.Errorf("victim allowed %d after 0.6s, want 1 (its bucket kept)", n)
	}
}
