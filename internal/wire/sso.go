package wire

import "github.com/licensor/licensor/internal/sso"

// SSOURL is the sso_url answer (license-api.md §5.18): where to send the
// user, and the provider's discovery subset.
type SSOURL struct {
	URL                 string        `json:"url"`
	OpenIDConfiguration sso.Discovery `json:"openid_configuration"`
}
