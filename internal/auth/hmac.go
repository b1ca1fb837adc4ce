// Package auth verifies the License API's request authorization: the Date
// header plus an Authorization header carrying an HMAC-SHA256 of
// "licenseSpring\ndate: <Date>" keyed with the company's shared key
// (license-api.md §2.1). Checks run in the order of change-password.md's
// error table, and the first failure answers.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/licensor/licensor/internal/problem"
)

// DefaultMaxSkew is how far the Date header may be from server time.
const DefaultMaxSkew = 15 * time.Minute

// Credential is who a request is authorized as: an API credential
// (API key + HMAC), or an OAuth client (a bearer token).
type Credential struct {
	ID        int64 // api_credentials.id; 0 for an OAuth client
	CompanyID int64
	APIKey    string
	SharedKey []byte
	// AllowedProducts limits the credential to some products; empty means
	// every product.
	AllowedProducts []int64
	// OAuthClientID is the OAuth client a bearer token was issued to
	// (oauth_clients.id); 0 for an API credential.
	OAuthClientID int64
	// The OAuth client's scope: one license, or one customer's licenses
	// (0: the whole company).
	ScopeLicenseID, ScopeCustomerID int64

	// lastVerified is the last Date and signature that verified with this
	// credential. An HMAC is deterministic, so the same pair verifies again
	// without recomputing it; clients send the same pair for every request
	// within one second of Date.
	lastVerified atomic.Pointer[verifiedPair]
}

type verifiedPair struct{ date, signature string }

// Key identifies the credential in per-credential caches and limits: API
// credentials by their id, OAuth clients by the negated client id.
func (c *Credential) Key() int64 {
	if c.OAuthClientID != 0 {
		return -c.OAuthClientID
	}
	return c.ID
}

// BearerLookup turns a bearer token into the credential it stands for, or
// returns a coded error (oauth_token_malformed, oauth_token_expired).
type BearerLookup func(ctx context.Context, token string) (*Credential, error)

// ErrUnknownKey is returned by a Lookup for an API key that does not exist
// or was revoked.
var ErrUnknownKey = errors.New("auth: unknown or revoked API key")

// Lookup finds the live credential for an API key.
type Lookup func(ctx context.Context, apiKey string) (*Credential, error)

// Verifier checks request authorization headers.
type Verifier struct {
	lookup  Lookup
	bearer  BearerLookup // nil: bearer tokens are not accepted
	maxSkew time.Duration
	now     func() time.Time
}

// NewVerifier returns a Verifier. now may be nil (time.Now).
func NewVerifier(lookup Lookup, maxSkew time.Duration, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{lookup: lookup, maxSkew: maxSkew, now: now}
}

// WithBearer makes v accept bearer tokens, checked by b.
func (v *Verifier) WithBearer(b BearerLookup) *Verifier {
	v.bearer = b
	return v
}

// Signature returns the base64 HMAC-SHA256 the client must send for date.
func Signature(sharedKey []byte, date string) string {
	m := hmac.New(sha256.New, sharedKey)
	m.Write([]byte("licenseSpring\ndate: " + date))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// AuthorizationHeader builds the Authorization value the Node SDK sends.
func AuthorizationHeader(apiKey string, sharedKey []byte, date string) string {
	return `algorithm="hmac-sha256",headers="date",signature="` + Signature(sharedKey, date) + `",apikey="` + apiKey + `"`
}

// Verify authenticates a request from its Date and Authorization headers
// and returns the credential it was signed with.
func (v *Verifier) Verify(ctx context.Context, h http.Header) (*Credential, error) {
	date, auth := strings.TrimSpace(h.Get("Date")), strings.TrimSpace(h.Get("Authorization"))
	// OAuth: "Authorization: Bearer TOKEN". Clients still send Date, and
	// its absence is missing_headers as for HMAC; the token's own expiry,
	// not the Date skew, bounds its use.
	if scheme, token, _ := strings.Cut(auth, " "); v.bearer != nil && strings.EqualFold(scheme, "Bearer") {
		if date == "" {
			return nil, problem.New(problem.CodeMissingHeaders, "some headers are missing: Date")
		}
		return v.bearer(ctx, strings.TrimSpace(token))
	}
	switch {
	case date == "" && auth == "":
		return nil, problem.New(problem.CodeMissingHeaders, "some headers are missing: Date, Authorization")
	case date == "":
		return nil, problem.New(problem.CodeMissingHeaders, "some headers are missing: Date")
	case auth == "":
		return nil, problem.New(problem.CodeMissingHeaders, "some headers are missing: Authorization")
	}

	p, ok := parseParams(auth)
	if !ok {
		return nil, problem.New(problem.CodeAuthorizationInvalidHeaders, `the Authorization header must be a comma-separated list of key="value" pairs`)
	}
	var missing []string
	for _, f := range []struct{ name, value string }{{"algorithm", p.algorithm}, {"headers", p.headers}, {"signature", p.signature}, {"apikey", p.apiKey}} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, problem.New(problem.CodeAuthorizationMissingParams, "the Authorization header is missing: "+strings.Join(missing, ", "))
	}
	if !strings.EqualFold(p.algorithm, "hmac-sha256") {
		return nil, problem.New(problem.CodeHMACRequired, `the Authorization algorithm must be "hmac-sha256"`)
	}

	cred, err := v.lookup(ctx, p.apiKey)
	if errors.Is(err, ErrUnknownKey) {
		return nil, problem.New(problem.CodeInvalidAPIKey, "the API key is not valid")
	}
	if err != nil {
		return nil, err
	}

	t, err := http.ParseTime(date)
	if err != nil {
		return nil, problem.New(problem.CodeDateHeaderDiff, "the Date header is not a valid RFC 7231 date")
	}
	if d := v.now().Sub(t); d > v.maxSkew || d < -v.maxSkew {
		return nil, problem.Newf(problem.CodeDateHeaderDiff, "the Date header differs from server time by more than %s", v.maxSkew)
	}

	if last := cred.lastVerified.Load(); last != nil && last.date == date && last.signature == p.signature {
		return cred, nil
	}
	want := Signature(cred.SharedKey, date)
	if subtle.ConstantTimeCompare([]byte(want), []byte(p.signature)) != 1 {
		return nil, problem.New(problem.CodeSignatureMismatch, "the request signature does not match")
	}
	cred.lastVerified.Store(&verifiedPair{date: date, signature: p.signature})
	return cred, nil
}

// authParams are the Authorization parameters licensor reads.
type authParams struct {
	algorithm, headers, signature, apiKey string
}

// parseParams parses `key="value", key2="value2"` with key names folded to
// lower case (Node sends apikey=, Python apiKey=) and optional white space
// around pairs. Values are taken verbatim between the quotes, so base64 "="
// is safe. A malformed list or a repeated key fails; unknown keys are
// ignored.
func parseParams(s string) (authParams, bool) {
	var p authParams
	var seen [4]bool
	i := 0
	for {
		i = skipSpace(s, i)
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		if i == start {
			return authParams{}, false
		}
		key := s[start:i]
		i = skipSpace(s, i)
		if i >= len(s) || s[i] != '=' {
			return authParams{}, false
		}
		i = skipSpace(s, i+1)
		if i >= len(s) || s[i] != '"' {
			return authParams{}, false
		}
		end := strings.IndexByte(s[i+1:], '"')
		if end < 0 {
			return authParams{}, false
		}
		value := s[i+1 : i+1+end]
		i += end + 2
		var dst *string
		var slot int
		switch {
		case strings.EqualFold(key, "algorithm"):
			dst, slot = &p.algorithm, 0
		case strings.EqualFold(key, "headers"):
			dst, slot = &p.headers, 1
		case strings.EqualFold(key, "signature"):
			dst, slot = &p.signature, 2
		case strings.EqualFold(key, "apikey"):
			dst, slot = &p.apiKey, 3
		}
		if dst != nil {
			if seen[slot] {
				return authParams{}, false
			}
			seen[slot], *dst = true, value
		}
		i = skipSpace(s, i)
		if i == len(s) {
			return p, true
		}
		if s[i] != ',' {
			return authParams{}, false
		}
		i++
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
