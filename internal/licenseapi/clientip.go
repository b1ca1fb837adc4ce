package licenseapi

import (
	"net/http"

	"github.com/licensor/licensor/internal/clientip"
)

// clientIP is who sent r, believing X-Forwarded-For from trusted proxies
// only (clientip.Proxies.ClientIP).
func (a *API) clientIP(r *http.Request) string {
	return clientip.Proxies(a.cfg.TrustedProxies).ClientIP(r)
}

// publicBase is the scheme and host the client reached the server under
// (clientip.Proxies.Base), or the configured public URL.
func (a *API) publicBase(r *http.Request) string {
	return clientip.Proxies(a.cfg.TrustedProxies).Base(r, a.cfg.PublicURL)
}
