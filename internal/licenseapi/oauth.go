package licenseapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
)

// TokenPath is where licensor's OAuth token endpoint is served.
const TokenPath = "/oauth/token"

// oauthURL serves GET /api/v4/oauth_url (license-api.md §5.19): the token
// endpoint's absolute URL as the client reaches the server.
func (a *API) oauthURL(w http.ResponseWriter, r *http.Request, _ *auth.Credential) error {
	lt := r.URL.Query().Get("login_type")
	if lt == "" {
		lt = "client_credentials"
	}
	if lt != "client_credentials" {
		return problem.New(problem.CodeValidationError, `login_type: licensor offers only "client_credentials"`)
	}
	return a.writeJSON(w, map[string]string{"url": a.publicBase(r) + TokenPath, "login_type": lt})
}

// tokenError is an RFC 6749 §5.2 error answer.
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// token serves licensor's OAuth token endpoint (RFC 6749 §4.4, client
// credentials): a form-encoded POST with grant_type=client_credentials and
// the client's id and secret in the form or in HTTP Basic authentication.
// Its answers are RFC 6749's, not the License API's, which is why it sits
// outside the route table.
func (a *API) token(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	fail := func(status int, code, desc string) {
		if status == http.StatusUnauthorized {
			h.Set("WWW-Authenticate", `Basic realm="licensor"`)
		}
		writeRawJSON(w, status, tokenError{Error: code, Description: desc})
	}
	if r.Method != http.MethodPost {
		h.Set("Allow", http.MethodPost)
		fail(http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if !strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded") {
		fail(http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request", "the form cannot be read")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			fail(http.StatusBadRequest, "invalid_request", "grant_type is missing")
		} else {
			fail(http.StatusBadRequest, "unsupported_grant_type", "licensor issues tokens for client_credentials only")
		}
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" || secret == "" {
		fail(http.StatusBadRequest, "invalid_request", "client_id and client_secret are required")
		return
	}
	token, ttl, err := a.svc.IssueToken(r.Context(), id, secret)
	if errors.Is(err, licensing.ErrInvalidClient) {
		fail(http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeRawJSON(w, http.StatusOK, map[string]any{"access_token": token, "expires_in": int(ttl.Seconds()), "refresh_expires_in": 0,
		"token_type": "Bearer", "not-before-policy": 0, "scope": "profile email"})
}

func writeRawJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
