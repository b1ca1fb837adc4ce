package catalog

import (
	"context"
	"time"

	"github.com/licensor/licensor/internal/store"
)

const (
	// IdempotencyTTL is how long a key's first answer is replayed
	// (management-api.md §1.12).
	IdempotencyTTL = 24 * time.Hour
	// idempotencyStale is when a key still "running" is taken to belong to
	// a request that died (longer than any request may run).
	idempotencyStale = 5 * time.Minute
)

// ClaimIdempotencyKey claims a management key's Idempotency-Key for a
// request (nil), or returns the answer or claim already there.
func (c *Catalog) ClaimIdempotencyKey(ctx context.Context, keyID int64, key, hash string) (*store.IdempotentAnswer, error) {
	c.pruneIdempotency(ctx)
	return c.store.Writer().ClaimIdempotencyKey(ctx, keyID, key, hash, c.now(), IdempotencyTTL, idempotencyStale)
}

// FinishIdempotencyKey stores a claimed key's successful answer.
func (c *Catalog) FinishIdempotencyKey(ctx context.Context, keyID int64, key string, status int, location, body string) error {
	return c.store.Writer().FinishIdempotencyKey(ctx, keyID, key, status, location, body)
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed.
func (c *Catalog) ReleaseIdempotencyKey(ctx context.Context, keyID int64, key string) error {
	return c.store.Writer().ReleaseIdempotencyKey(context.WithoutCancel(ctx), keyID, key)
}

// pruneIdempotency deletes expired answers at most once an hour, so that
// the table holds about a day of keys however many a client sends.
func (c *Catalog) pruneIdempotency(ctx context.Context) {
	now := c.now().Unix()
	last := c.lastPrune.Load()
	if now-last < 3600 || !c.lastPrune.CompareAndSwap(last, now) {
		return
	}
	_ = c.store.Writer().PruneIdempotencyKeys(ctx, c.now().Add(-IdempotencyTTL))
}
