package licenseapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/licensor/licensor/internal/auth"
)

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
