package licenseapi

import (
	"net/http"

	"github.com/licensor/licensor/internal/auth"
)

// publicKey serves GET /api/v4/public_key: the PEM integrators give their
// SDKs (Node: publicKey). It is public, like any public key.
func (a *API) publicKey(w http.ResponseWriter, _ *http.Request, _ *auth.Credential) error {
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write([]byte(a.signer.PublicKeyPEM()))
	return nil
}
