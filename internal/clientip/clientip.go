// Package clientip tells who sent a request, and under which public
// address the server was reached, believing X-Forwarded-* headers only
// from trusted proxies. Both licensor APIs use it: throttles, audit
// records and absolute URLs must not be forgeable by a client.
package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
)

// Proxies are the networks whose forwarding headers are believed.
type Proxies []netip.Prefix

func (p Proxies) trusted(ip netip.Addr) bool {
	for _, n := range p {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// Peer is the address the connection came from.
func Peer(r *http.Request) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	return ip.Unmap(), err
}

// ClientIP is the address throttling and the audit log attribute a request
// to: the peer address, or — when the peer is a trusted proxy — the
// right-most X-Forwarded-For entry that is not itself a trusted proxy.
// Entries left of that are client-supplied and could be forged.
func (p Proxies) ClientIP(r *http.Request) string {
	peer, err := Peer(r)
	if err != nil {
		host, _, serr := net.SplitHostPort(r.RemoteAddr)
		if serr != nil {
			return r.RemoteAddr
		}
		return host
	}
	if !p.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		ip = ip.Unmap()
		if !p.trusted(ip) {
			return ip.String()
		}
		peer = ip
	}
	return peer.String()
}

// Base is the scheme and host the client reached the server under:
// publicURL when configured, else the request's, with X-Forwarded-Proto and
// X-Forwarded-Host believed from trusted proxies only, and a Host that is
// not a plain host name replaced by the listener's address.
func (p Proxies) Base(r *http.Request, publicURL string) string {
	if publicURL != "" {
		return strings.TrimSuffix(publicURL, "/")
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if peer, err := Peer(r); err == nil && p.trusted(peer) {
		if v := strings.ToLower(strings.TrimSpace(firstValue(r.Header.Get("X-Forwarded-Proto")))); v == "http" || v == "https" {
			scheme = v
		}
		if h := strings.TrimSpace(firstValue(r.Header.Get("X-Forwarded-Host"))); h != "" {
			host = h
		}
	}
	if !plainHost.MatchString(host) {
		if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			host = addr.String()
		}
	}
	return scheme + "://" + host
}

// plainHost is a host name or address with an optional port, nothing else.
var plainHost = regexp.MustCompile(`^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?$`)

func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return first
}
