package licenseapi

import (
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/licensor/licensor/internal/auth"
)

// publicBase is the URL clients reach the server at, without a trailing
// slash: the configured public URL, or the request's scheme and host. The
// X-Forwarded-Proto and X-Forwarded-Host of a trusted proxy are believed;
// anyone else's are not, and a Host that is not a plain host[:port] falls
// back to the listening address.
func (a *API) publicBase(r *http.Request) string {
	if a.cfg.PublicURL != "" {
		return strings.TrimSuffix(a.cfg.PublicURL, "/")
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if peer, err := peerAddr(r); err == nil && a.trusted(peer) {
		if p := strings.ToLower(strings.TrimSpace(firstValue(r.Header.Get("X-Forwarded-Proto")))); p == "http" || p == "https" {
			scheme = p
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

func peerAddr(r *http.Request) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	return ip.Unmap(), err
}

// discovery is the GET /api/v4/.well-known answer.
type discovery struct {
	Server     string              `json:"server"`
	APIVersion string              `json:"api_version"`
	BaseURL    string              `json:"base_url"`
	PublicKey  string              `json:"public_key"`
	Endpoints  []discoveryEndpoint `json:"endpoints"`
}

type discoveryEndpoint struct {
	Method        string `json:"method"`
	Path          string `json:"path"`
	Authenticated bool   `json:"authenticated"`
}

// wellKnown serves GET /api/v4/.well-known: what a client needs to find
// its way (the base URL as it reaches the server, the public key that
// verifies answers, the endpoints served). Unauthenticated, signed like
// every answer.
func (a *API) wellKnown(w http.ResponseWriter, r *http.Request, _ *auth.Credential) error {
	d := discovery{Server: "licensor", APIVersion: "v4", BaseURL: a.publicBase(r) + "/api/v4", PublicKey: a.signer.PublicKeyPEM()}
	for _, rt := range a.routeTable() {
		d.Endpoints = append(d.Endpoints, discoveryEndpoint{Method: rt.method, Path: strings.TrimPrefix(rt.path, "/api/v4/"), Authenticated: !rt.public})
	}
	slices.SortFunc(d.Endpoints, func(x, y discoveryEndpoint) int { return strings.Compare(x.Path+x.Method, y.Path+y.Method) })
	return a.writeJSON(w, d)
}
