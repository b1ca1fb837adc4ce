package signing

import (
	"crypto/sha256"
	"sync"
)

// sigCache remembers signatures of recently signed data, so that a response
// that did not change (a license checked again and again) is not signed
// again: an RSA-2048 signature costs about 1.2 ms of CPU, far more than
// serving the request.
//
// It is keyed by the SHA-256 of the exact bytes signed, so a changed
// response can never get a stale signature. Memory is bounded by two
// generations of at most limit/2 entries each: when the young generation
// fills, it becomes the old one and the previous old one is dropped; a hit in
// the old generation moves the entry to the young one. Entries used often
// survive, idle ones age out.
type sigCache struct {
	mu       sync.Mutex
	limit    int
	young    map[[32]byte]string
	old      map[[32]byte]string
	hits     uint64
	misses   uint64
	disabled bool
}

func newSigCache(limit int) *sigCache {
	if limit <= 0 {
		return &sigCache{disabled: true}
	}
	return &sigCache{limit: max(limit/2, 1), young: make(map[[32]byte]string), old: make(map[[32]byte]string)}
}

func (c *sigCache) get(k [32]byte) (string, bool) {
	if c.disabled {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.young[k]; ok {
		c.hits++
		return s, true
	}
	if s, ok := c.old[k]; ok {
		c.hits++
		c.putLocked(k, s)
		return s, true
	}
	c.misses++
	return "", false
}

func (c *sigCache) put(k [32]byte, sig string) {
	if c.disabled {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, sig)
}

func (c *sigCache) putLocked(k [32]byte, sig string) {
	if len(c.young) >= c.limit {
		c.old, c.young = c.young, make(map[[32]byte]string, c.limit)
	}
	c.young[k] = sig
}

// len reports how many signatures are held.
func (c *sigCache) len() int {
	if c.disabled {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.young) + len(c.old)
}

func digest(data []byte) [32]byte { return sha256.Sum256(data) }
