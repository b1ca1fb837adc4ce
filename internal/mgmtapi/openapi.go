package mgmtapi

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPI documents /api/v1 (OpenAPI 3.1), written by gen/openapi.py; a
// test checks real answers against it and that it covers every route.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the document as served.
func OpenAPI() []byte { return openAPI }

// serveOpenAPI answers GET /api/v1/openapi.json, without authentication
// (management-api.md §1.14).
func serveOpenAPI(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != Prefix+"openapi.json" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(openAPI)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(openAPI)
	}
	return true
}
