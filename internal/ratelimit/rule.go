// Package ratelimit holds per-instance, in-memory request rate limits for the
// License API (per client IP, per company, per API credential), modelled on
// LicenseSpring's. They never touch the database: a cached check_license
// answer costs a few microseconds, so a limit check must cost tens of
// nanoseconds and no allocation. Limits are per process, not cluster-wide; with
// N instances behind a balancer a client may get up to N times the rule.
package ratelimit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rule allows Limit requests per Window: a token bucket of capacity Limit
// refilled at Limit/Window tokens per second, so a burst of Limit is allowed
// and then the sustained rate. The zero Rule is disabled.
type Rule struct {
	Limit  int
	Window time.Duration
}

// Enabled reports whether the rule limits anything.
func (r Rule) Enabled() bool { return r.Limit > 0 && r.Window > 0 }

// String formats r the way ParseRule reads it ("200/10s", "off").
func (r Rule) String() string {
	if !r.Enabled() {
		return "off"
	}

	return strconv.Itoa(r.Limit) + "/" + r.Window.String()
}

var errRuleSyntax = errors.New(`want LIMIT/WINDOW such as "200/10s" or "1000/1m", or "off" or "0" to disable`)

// ParseRule reads a rule written as LIMIT/WINDOW ("200/10s", "1000/1m",
// "5/s"; WINDOW is a Go duration, and a bare unit means one of it), or "off"
// or "0" for a disabled rule. A limit of 0 with a window ("0/10s") is also
// disabled, so an operator can switch a rule off by editing only its number.
func ParseRule(s string) (Rule, error) {
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "off") || t == "0" {
		return Rule{}, nil
	}
	num, win, ok := strings.Cut(t, "/")
	if !ok {
		return Rule{}, fmt.Errorf("ratelimit: invalid rule %q: %w", s, errRuleSyntax)
	}
	limit, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || limit < 0 {
		return Rule{}, fmt.Errorf("ratelimit: invalid rule %q: limit must be a whole number >= 0: %w", s, errRuleSyntax)
	}
	win = strings.TrimSpace(win)
	if win != "" && (win[0] < '0' || win[0] > '9') && win[0] != '.' {
		win = "1" + win // "5/s" reads as "5/1s"
	}
	window, err := time.ParseDuration(win)
	if err != nil || window <= 0 {
		return Rule{}, fmt.Errorf("ratelimit: invalid rule %q: window must be a positive duration such as 10s or 1m: %w", s, errRuleSyntax)
	}
	if limit == 0 {
		return Rule{}, nil
	}

	return Rule{Limit: limit, Window: window}, nil
}
