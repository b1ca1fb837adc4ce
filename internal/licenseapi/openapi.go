package licenseapi

import (
	_ "embed"
	"net/http"

	"github.com/licensor/licensor/internal/auth"
)

// openAPI documents every endpoint under /api/v4 (OpenAPI 3.1); a test
// checks real responses against it.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI document of the License API as served.
func OpenAPI() []byte { return openAPI }

// openAPIDoc serves GET /api/v4/openapi.json.
func (a *API) openAPIDoc(w http.ResponseWriter, _ *http.Request, _ *auth.Credential) error {
	sig, err := a.signer.Sign(openAPI)
	if err != nil {
		return err
	}
	writeSigned(w, openAPI, sig)
	return nil
}
