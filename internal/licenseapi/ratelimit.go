package licenseapi

import (
	"fmt"
	"strconv"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/ratelimit"
)

// RateLimits are the request limits in front of every /api/v4 endpoint, in
// the model LicenseSpring documents: per client address, per company and
// per API credential. They are token buckets in this instance's memory, so
// that a cached check never waits for the database; with N instances a
// client gets up to N times each rule. The password throttle is not one of
// them: it is exact and shared, in the database.
type RateLimits struct {
	PerIP         ratelimit.Rule // default 200 per 10 s
	PerCompany    ratelimit.Rule // off by default
	PerCredential ratelimit.Rule // off by default
	// MaxKeys bounds each limiter's table (0: ratelimit.DefaultMaxKeys).
	MaxKeys int
}

// DefaultRateLimits is LicenseSpring's backstop: 200 requests per 10 s
// from one address; per-company and per-credential limits are off.
var DefaultRateLimits = RateLimits{PerIP: ratelimit.Rule{Limit: 200, Window: 10 * time.Second}}

// limiters are the enabled rate limits of an API; nil fields are off.
type limiters struct {
	ip, company, credential *ratelimit.Limiter
	now                     func() time.Time
}

func newLimiters(rl RateLimits, now func() time.Time) limiters {
	mk := func(r ratelimit.Rule) *ratelimit.Limiter {
		if !r.Enabled() {
			return nil
		}
		return ratelimit.New(r, rl.MaxKeys, now)
	}
	return limiters{ip: mk(rl.PerIP), company: mk(rl.PerCompany), credential: mk(rl.PerCredential), now: now}
}

// allowIP takes one request from the client address's allowance.
func (l *limiters) allowIP(ip string, now time.Time) error {
	if l.ip == nil {
		return nil
	}
	ok, retry := l.ip.AllowAt(ratelimit.IPKey(ip), now)
	return limited(ok, retry, "from one address", l.ip.Rule())
}

// allowCaller takes one request from the company's and the credential's
// allowances, once the request is authorized.
func (l *limiters) allowCaller(companyID, credentialID int64, now time.Time) error {
	if l.company != nil {
		ok, retry := l.company.AllowAt(strconv.FormatInt(companyID, 10), now)
		if err := limited(ok, retry, "for this company", l.company.Rule()); err != nil {
			return err
		}
	}
	if l.credential != nil {
		ok, retry := l.credential.AllowAt(strconv.FormatInt(credentialID, 10), now)
		return limited(ok, retry, "with this API key", l.credential.Rule())
	}
	return nil
}

func limited(ok bool, retry time.Duration, scope string, r ratelimit.Rule) error {
	if ok {
		return nil
	}
	return &problem.Error{
		Code:       problem.CodeTooManyRequests,
		Message:    fmt.Sprintf("rate limit exceeded: at most %s requests %s, retry later", r, scope),
		RetryAfter: max(retry, time.Second),
	}
}
