package licenseapi

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultResponseCacheBytes bounds the memory of the check response cache.
const DefaultResponseCacheBytes = 32 << 20

// responseCache remembers the signed responses of checks (check_license,
// check_bundle), which applications repeat far more often than anything
// changes. An entry answers only while
//   - nothing that touches its licenses, or may touch any license, has
//     changed since it was read, by any process (store.Fresh);
//   - its time has not run out: the next moment the response would change by
//     itself (an expiry, a start date), and at most deviceSeenRefresh so that
//     the device's last_seen_at and telemetry are still recorded.
//
// The key is the credential, the path and the raw query, so a cached answer
// never reaches another credential or another question. Memory is bounded
// by two generations of entries of at most half the byte limit each.
type responseCache struct {
	mu         sync.Mutex
	limit      int // bytes per generation
	fresh      func(mark uint64, licenses ...int64) bool
	young, old map[string]*cachedResponse
	youngBytes int
}

type cachedResponse struct {
	body     []byte
	length   []string // Content-Length header value
	sig      []string // LicenseSignature header value
	until    time.Time
	mark     uint64  // taken before the data was read
	licenses []int64 // the licenses the answer shows
}

// deviceSeenRefresh is the longest a cached check answers without reaching
// the database, which records the device as seen.
const deviceSeenRefresh = 4 * time.Minute

func newResponseCache(limitBytes int, fresh func(mark uint64, licenses ...int64) bool) *responseCache {
	if limitBytes <= 0 {
		return nil
	}
	return &responseCache{limit: limitBytes / 2, fresh: fresh, young: map[string]*cachedResponse{}, old: map[string]*cachedResponse{}}
}

func cacheKey(r *http.Request, credentialID int64) string {
	return strconv.FormatInt(credentialID, 10) + " " + r.URL.Path + "?" + r.URL.RawQuery
}

func (c *responseCache) get(key string, now time.Time) (*cachedResponse, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.young[key]
	if !ok {
		if e, ok = c.old[key]; ok {
			c.putLocked(key, e)
		}
	}
	if !ok {
		return nil, false
	}
	if !now.Before(e.until) || !c.fresh(e.mark, e.licenses...) {
		delete(c.young, key)
		return nil, false
	}
	return e, true
}

// put stores a response; e.mark and e.licenses say what it was read from.
func (c *responseCache) put(key string, e *cachedResponse) {
	if c == nil || !c.fresh(e.mark, e.licenses...) {
		return // changed while it was being made
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(key, e)
}

func (c *responseCache) putLocked(key string, e *cachedResponse) {
	size := len(key) + len(e.body) + len(e.sig[0]) + 96
	if c.youngBytes+size > c.limit {
		c.old, c.young, c.youngBytes = c.young, map[string]*cachedResponse{}, 0
	}
	c.young[key] = e
	c.youngBytes += size
}
