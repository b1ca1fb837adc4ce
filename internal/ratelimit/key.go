package ratelimit

import "net/netip"

// IPKey returns the limiter key for a client IP address (without port).
//
// IPv4 addresses are used as they are. IPv6 addresses are cut to their /64
// prefix ("2001:db8:1:2::/64"): an ordinary host or customer owns a whole /64,
// so a per-address limit would be bypassed by rotating the low 64 bits. An
// IPv4-mapped IPv6 address ("::ffff:192.0.2.1", as a dual-stack listener
// reports IPv4 clients) counts as its IPv4 address, so one client gets one
// bucket whichever socket it came in on. Zones are dropped.
//
// Anything that does not parse is returned unchanged: the caller chose it
// (a Unix socket peer, say) and it is still a stable key. Garbage could equal
// a canonical key, but only a caller that trusts client-supplied addresses
// (X-Forwarded-For from anyone) could be fooled by that, and such a caller lets
// the client pick its key anyway.
func IPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a.Is4() {
		return ip // ParseAddr accepts only canonical dotted quads; no copy needed
	}
	if a.Is4In6() {
		return a.Unmap().String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip // unreachable for a valid IPv6 address
	}

	var buf [64]byte // longest: 39 for the address, 3 for "/64"

	return string(p.AppendTo(buf[:0])) // one allocation instead of String's two
}
