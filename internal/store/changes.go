package store

import (
	"context"
	"sync/atomic"
)

// Caches of what the License API shows (check responses, credentials) must
// follow every change, by this process, the CLI or another instance, but
// an activation on one license must not evict the cached checks of every
// other license. Triggers (migration 0005) report each change with the
// license it touches, or with no license when it may touch any (a product,
// a credential, a company setting); the engine delivers those reports to a
// changeTracker, which caches ask whether what they hold is still fresh.
//
// The tracker is a sequence number and, per stripe of license ids, the
// sequence number of the last change touching a license in that stripe:
// fixed memory whatever the number of licenses, lock-free reads, and a
// collision between two licenses costs only an extra cache miss.

// changeStripes is how many stripes license ids are spread over.
const changeStripes = 4096

type changeTracker struct {
	seq     atomic.Uint64
	all     atomic.Uint64 // seq of the last change that may touch anything
	stripes [changeStripes]atomic.Uint64
}

// changeSet is what one transaction, or one batch of notifications,
// changed: the licenses, or everything.
type changeSet struct {
	all      bool
	licenses []int64
}

func (cs changeSet) empty() bool { return !cs.all && len(cs.licenses) == 0 }

// Mark returns the point from which a reader is about to read. Take it
// before reading, so a change that lands during the read is not missed.
func (s *Store) Mark() uint64 { return s.changes.seq.Load() }

// Fresh reports whether nothing that may touch the given licenses has
// changed since mark. With no licenses it asks only about changes that may
// touch anything.
func (s *Store) Fresh(mark uint64, licenses ...int64) bool {
	c := &s.changes
	if c.all.Load() > mark {
		return false
	}
	for _, id := range licenses {
		if c.stripes[stripe(id)].Load() > mark {
			return false
		}
	}
	return true
}

// Invalidate records that everything may have changed: caches drop what
// they hold. Used when change notification was interrupted.
func (s *Store) Invalidate() { s.changes.record(changeSet{all: true}) }

func stripe(id int64) uint64 { return uint64(id) % changeStripes }

// record takes a new sequence number for cs. Each stripe keeps the highest
// number it was given, so that two concurrent records cannot leave a stripe
// behind a change.
func (c *changeTracker) record(cs changeSet) {
	if cs.empty() {
		return
	}
	n := c.seq.Add(1)
	if cs.all {
		storeMax(&c.all, n)
		return
	}
	for _, id := range cs.licenses {
		storeMax(&c.stripes[stripe(id)], n)
	}
}

func storeMax(v *atomic.Uint64, n uint64) {
	for {
		old := v.Load()
		if old >= n || v.CompareAndSwap(old, n) {
			return
		}
	}
}

// WatchContent delivers changes made by other processes (the CLI, other
// instances) to this one's caches until ctx ends. Its own changes are seen
// at once without it.
func (s *Store) WatchContent(ctx context.Context) { s.engine.watch(ctx) }
