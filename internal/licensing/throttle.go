package licensing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/ratelimit"
	"github.com/licensor/licensor/internal/store"
)

// The password throttle is kept in the database, so that every instance
// sharing it enforces the same limits, and it is exact: an attempt is
// reserved with one conditional upsert per bucket before any hash runs, so
// a burst of parallel guesses can never get more than the limit checked in
// a window. A wrong password keeps its reservation (it is the failure
// record); any other outcome, the right password included, gives it back.
// A success does not wipe the window's failures: that would let a burst
// that contains the right password get another limit's worth of guesses
// checked.

// userBucket names a (company, username) throttle. A username too long to
// be an e-mail address is named by its hash: change_password does not limit
// its length (its contract fixes every answer), and the bucket is stored.
func userBucket(companyID int64, email string) string {
	email = store.NormalizeEmail(email)
	if len(email) > 254 || !store.StorableText(email) {
		sum := sha256.Sum256([]byte(email))
		email = "sha256:" + hex.EncodeToString(sum[:])
	}
	return fmt.Sprintf("%d:%s", companyID, email)
}

// attempt is a password check reserved against the throttles.
type attempt struct {
	user, ip         string    // buckets; ip is "" when the client IP is unknown
	userFrom, ipFrom time.Time // the windows the reservations were taken in
}

// reserveAttempt reserves one password check for (company, username) and
// for the client IP, both or neither, or answers too_many_requests.
func (s *Service) reserveAttempt(ctx context.Context, companyID int64, email, ip string) (*attempt, error) {
	t := s.cfg.Throttle
	// An IPv6 client is counted per /64, which one host normally owns
	// whole: per address, it could rotate through billions.
	if ip != "" {
		ip = ratelimit.IPKey(ip)
	}
	a := &attempt{user: userBucket(companyID, email), ip: ip}
	now := s.now()
	var refusedUntil time.Time
	err := s.store.WithTx(ctx, func(q *store.Queries) error {
		ok, from, until, err := q.ReserveAttempt(ctx, store.ThrottleUser, a.user, t.PerUser, t.Window, now)
		if err != nil {
			return err
		}
		if !ok {
			refusedUntil = until
			return errRefused
		}
		a.userFrom = from
		if ip == "" {
			return nil
		}
		if ok, from, until, err = q.ReserveAttempt(ctx, store.ThrottleIP, ip, t.PerIP, t.Window, now); err != nil {
			return err
		}
		if !ok {
			refusedUntil = until
			return errRefused // rolls the user's reservation back
		}
		a.ipFrom = from
		return nil
	})
	if err != nil && !errors.Is(err, errRefused) {
		return nil, err
	}
	if !refusedUntil.IsZero() {
		return nil, &problem.Error{
			Code:       problem.CodeTooManyRequests,
			Message:    "too many failed attempts, retry later",
			RetryAfter: max(refusedUntil.Sub(now), time.Second),
		}
	}
	return a, nil
}

// errRefused rolls back a transaction whose reservation was refused.
var errRefused = errors.New("throttle: refused")

// release gives the reservation back: the check did not fail on the
// password. It runs on a fresh context, so that a client that hung up
// cannot leave its reservation behind as a failure.
func (s *Service) release(a *attempt) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.store.WithTx(ctx, func(q *store.Queries) error { return s.giveBack(ctx, q, a) }); err != nil {
		s.log.Warn("release a password attempt", "err", err)
	}
}

// giveBack returns both reservations of a within transaction q.
func (s *Service) giveBack(ctx context.Context, q *store.Queries, a *attempt) error {
	if err := q.ReleaseAttempt(ctx, store.ThrottleUser, a.user, a.userFrom); err != nil {
		return err
	}
	if a.ip == "" {
		return nil
	}
	return q.ReleaseAttempt(ctx, store.ThrottleIP, a.ip, a.ipFrom)
}

// pruneThrottles deletes windows that are over.
func (s *Service) pruneThrottles(ctx context.Context) error {
	now := s.now()
	for scope, window := range map[string]time.Duration{
		store.ThrottleUser:  s.cfg.Throttle.Window,
		store.ThrottleIP:    s.cfg.Throttle.Window,
		store.ThrottleTrial: s.cfg.Trials.Window,
	} {
		if _, err := s.store.Writer().PruneAttempts(ctx, scope, now.Add(-window)); err != nil {
			return err
		}
	}
	return nil
}
