package licensing

import (
	"context"
	"fmt"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// The throttle counts failed password checks in the database, so that every
// instance sharing it enforces the same limits. Only failures are counted:
// a burst of requests carrying the right password is never refused.

func userBucket(companyID int64, email string) string {
	return fmt.Sprintf("%d:%s", companyID, store.NormalizeEmail(email))
}

// checkThrottle answers too_many_requests when (company, username) or the
// client IP has failed too often within the window.
func (s *Service) checkThrottle(ctx context.Context, companyID int64, email, ip string) error {
	t := s.cfg.Throttle
	now := s.now()
	since := now.Add(-t.Window)
	checks := []struct {
		scope, bucket string
		limit         int
	}{
		{store.FailureScopeUser, userBucket(companyID, email), t.PerUser},
		{store.FailureScopeIP, ip, t.PerIP},
	}
	var retry time.Duration
	for _, c := range checks {
		if c.bucket == "" {
			continue
		}
		n, oldest, err := s.store.Reader().RecentFailures(ctx, c.scope, c.bucket, since)
		if err != nil {
			return err
		}
		if n >= int64(c.limit) {
			// The window slides: one slot frees when the oldest failure
			// leaves it.
			retry = max(retry, oldest.Add(t.Window).Sub(now))
		}
	}
	if retry > 0 {
		return &problem.Error{
			Code:       problem.CodeTooManyRequests,
			Message:    "too many failed attempts, retry later",
			RetryAfter: max(retry, time.Second),
		}
	}
	return nil
}

// recordFailure counts one failed password check against both buckets.
func (s *Service) recordFailure(ctx context.Context, companyID int64, email, ip string) error {
	now := s.now()
	return s.store.WithTx(ctx, func(q *store.Queries) error {
		if err := q.RecordFailure(ctx, store.FailureScopeUser, userBucket(companyID, email), now); err != nil {
			return err
		}
		if ip == "" {
			return nil
		}
		return q.RecordFailure(ctx, store.FailureScopeIP, ip, now)
	})
}
