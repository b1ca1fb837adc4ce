package ratelimit

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultMaxKeys is the bucket bound New uses when given maxKeys <= 0. At
// about 90 bytes a bucket with IPv6 keys (map slot, key bytes, sweep scratch)
// it caps a limiter near 6 MiB.
const DefaultMaxKeys = 1 << 16

const (
	// maxShards spreads keys over independent locks so that cores serving
	// different clients never wait on one another; a power of two so the
	// shard is picked with a mask.
	maxShards = 32
	// minPerShard stops a small maxKeys from being split into shards so tiny
	// that a full shard evicts long before the limiter as a whole is full.
	minPerShard = 64
)

// Limiter applies one Rule to many keys (client IPs, company IDs, credential
// IDs), holding at most maxKeys buckets. It is safe for concurrent use.
//
// Each bucket is a single int64 in the form of the generic cell rate
// algorithm (GCRA), which is an exact token bucket: tat, the "theoretical
// arrival time", is the instant at which the bucket will be full again. A
// request is allowed when, after charging one token interval, tat stays within
// one window of now. Tokens left = (burst - (tat - now)) / interval, so a
// bucket with tat <= now is full and carries no information: a missing key
// means the same. Integers keep the arithmetic exact (no float drift) and a
// bucket to eight bytes, so Allow on a known key does not allocate.
type Limiter struct {
	rule     Rule
	interval int64 // nanoseconds per token; 0 when the rule is disabled
	burst    int64 // interval * Limit: how far tat may run ahead of now
	now      func() time.Time
	base     time.Time // times are kept as nanoseconds since base
	seed     maphash.Seed
	mask     uint64
	shards   []shard
}

type shard struct {
	mu      sync.Mutex
	tat     map[string]int64
	maxLen  int
	scratch []int64 // reused by makeRoom so floods do not churn the heap
	_       [64]byte
}

// New returns a limiter for rule holding at most maxKeys buckets (<= 0 means
// DefaultMaxKeys). now is the clock, time.Now when nil; it should not run
// backwards (time.Now's monotonic reading does not), as that only delays
// refills.
func New(rule Rule, maxKeys int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{rule: rule, now: now}
	if !rule.Enabled() {
		return l
	}
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	// The interval is rounded up, so the sustained rate is never above the
	// rule (at most 1 ns per token slower), and burst is a whole number of
	// intervals, so exactly Limit requests fit in a burst.
	w, n := int64(rule.Window), int64(rule.Limit)
	l.interval = w / n
	if w%n != 0 {
		l.interval++
	}
	l.burst = l.interval * n
	l.base = now()
	l.seed = maphash.MakeSeed() // per limiter, so clients cannot aim keys at one shard

	shards := maxShards
	for shards > 1 && maxKeys/shards < minPerShard {
		shards /= 2
	}
	l.mask = uint64(shards - 1)
	l.shards = make([]shard, shards)
	for i := range l.shards {
		l.shards[i] = shard{tat: make(map[string]int64), maxLen: maxKeys / shards}
	}

	return l
}

// Rule returns the rule the limiter applies.
func (l *Limiter) Rule() Rule { return l.rule }

// Allow takes one token from key's bucket. When none is left it returns false
// and the exact time until one token is available; callers writing a
// Retry-After header round it up to whole seconds. A disabled rule always
// allows. A refused request takes nothing, so a client that keeps retrying
// too early is not locked out for longer.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l.interval == 0 {
		return true, 0 // without reading the clock
	}

	return l.AllowAt(key, l.now())
}

// AllowAt is Allow at a time the caller has already read. Reading the clock
// is most of Allow's cost (time.Now took 55 of 90 ns on a KVM guest), so a
// handler that checks the IP, company and credential limiters in turn should
// read time.Now once and pass it to all three.
func (l *Limiter) AllowAt(key string, t time.Time) (ok bool, retryAfter time.Duration) {
	if l.interval == 0 {
		return true, 0
	}
	now := int64(t.Sub(l.base))
	s := &l.shards[maphash.String(l.seed, key)&l.mask]

	s.mu.Lock()
	tat, found := s.tat[key]
	if !found || tat < now {
		tat = now
	}
	next := tat + l.interval
	if next-now > l.burst {
		s.mu.Unlock()

		return false, time.Duration(next - l.burst - now)
	}
	if found {
		s.tat[key] = next
	} else {
		s.insert(key, next, now)
	}
	s.mu.Unlock()

	return true, 0
}

// Len returns the number of buckets held, for tests and metrics.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.tat)
		s.mu.Unlock()
	}

	return n
}

// insert adds a bucket, making room first when the shard is full. The key is
// copied because it may be a slice of a request buffer that the map would
// otherwise keep alive.
func (s *shard) insert(key string, tat, now int64) {
	if len(s.tat) >= s.maxLen {
		s.makeRoom(now)
	}
	s.tat[strings.Clone(key)] = tat
}

// makeRoom runs when the shard is full. It drops every bucket that has
// refilled completely, which loses nothing. If that frees less than an eighth
// of the shard, it also evicts the buckets closest to full (smallest tat)
// until an eighth is free. Freeing an eighth at a time means the O(n log n)
// pass runs at most once per maxLen/8 inserts: amortized O(log n) per insert.
//
// Why evicting is safe: an evicted key later starts again with a full
// bucket, so eviction can only make a key's limit looser, never stricter, and
// flooding distinct keys cannot lock anyone out. Why the closest-to-full
// buckets: they lose the fewest tokens of history. A key inserted by one
// request holds Limit-1 tokens (tat <= now+interval), so a key that has spent
// more than one token beyond its refill (the key being limited) outlives any
// number of one-request keys, and a flood can evict it only by first draining
// about maxLen/8 keys in the same shard further than it, Limit requests each.
func (s *shard) makeRoom(now int64) {
	for k, t := range s.tat {
		if t <= now {
			delete(s.tat, k)
		}
	}
	excess := len(s.tat) - (s.maxLen - max(1, s.maxLen/8))
	if excess <= 0 {
		return
	}
	ts := s.scratch[:0]
	for _, t := range s.tat {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	cut := ts[excess-1]                      // evict every tat < cut, and enough tat == cut
	below, _ := slices.BinarySearch(ts, cut) // how many are < cut
	ties := excess - below
	for k, t := range s.tat {
		switch {
		case t < cut:
			delete(s.tat, k)
		case t == cut && ties > 0:
			delete(s.tat, k)
			ties--
		}
	}
	s.scratch = ts[:0]
}
