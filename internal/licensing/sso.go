package licensing

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/sso"
	"github.com/licensor/licensor/internal/store"
)

// SSO (license-api.md §5.18, §6.2). A customer account names its OpenID
// Connect provider. sso_url sends the user there with a nonce licensor can
// recognise later without storing it (an HMAC over the account and an
// expiry), so that untrusted callers cannot grow a table; activate_license
// and floating/borrow then take the provider's id_token (or a code licensor
// exchanges for one), verify it against the provider's keys, require that
// nonce in it, and act as the license user with the token's e-mail, on the
// licenses of that account's customers only.

// nonceTTL is how long a user has to sign in after sso_url.
const nonceTTL = 15 * time.Minute

// SSOURLInput is a sso_url request.
type SSOURLInput struct {
	Product, AccountCode, ResponseType, RedirectURI string
}

// SSOURL is where to send the user, and the provider's discovery subset.
type SSOURL struct {
	URL       string
	Discovery sso.Discovery
}

// SSO holds the SSO fields of an activation or a borrow.
type SSO struct {
	AccountCode, IDToken, Code, RedirectURI string
}

// ssoAccount returns the caller's customer account with code, configured
// for SSO.
func (s *Service) ssoAccount(ctx context.Context, c Caller, code string) (*store.CustomerAccount, error) {
	a, err := s.store.Reader().CustomerAccountByCode(ctx, c.CompanyID, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem.Newf(problem.CodeCustomerAccountNotFound, "customer account %q not found", code)
	}
	if err != nil {
		return nil, err
	}
	if a.SSOIssuer == "" || a.SSOClientID == "" {
		return nil, problem.Newf(problem.CodeValidationError, "customer account %q does not sign in with SSO", code)
	}
	return a, nil
}

func ssoError(err error) error {
	if errors.Is(err, sso.ErrInvalid) {
		return problem.New(problem.CodeSSOTokenInvalid, "the single sign-on token or code is not valid")
	}
	pe := problem.New(problem.CodeSSOProviderUnavailable, "the customer account's identity provider cannot be reached")
	pe.RetryAfter = 30 * time.Second
	pe.Cause = err
	return pe
}

// SSOURL builds the provider's authorization URL for a sign-in
// (license-api.md §5.18, §6.2).
func (s *Service) SSOURL(ctx context.Context, c Caller, in SSOURLInput) (*SSOURL, error) {
	if m := missingOf("product", in.Product, "customer_account_code", in.AccountCode, "redirect_uri", in.RedirectURI); m != nil {
		return nil, m
	}
	responseType := "code"
	switch in.ResponseType {
	case "", "code":
	case "token":
		// The implicit grant: the provider answers with an id_token,
		// which is what activation verifies.
		responseType = "id_token token"
	default:
		return nil, problem.New(problem.CodeValidationError, `response_type must be "code" or "token"`)
	}
	if u, err := url.Parse(in.RedirectURI); err != nil || u.Scheme == "" || !u.IsAbs() {
		return nil, problem.New(problem.CodeValidationError, "redirect_uri must be an absolute URL")
	}
	if _, err := s.product(ctx, c, in.Product); err != nil {
		return nil, err
	}
	a, err := s.ssoAccount(ctx, c, in.AccountCode)
	if err != nil {
		return nil, err
	}
	d, err := s.sso.Discover(ctx, a.SSOIssuer)
	if err != nil {
		return nil, ssoError(err)
	}
	nonce, err := s.ssoNonce(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	auth, err := url.Parse(d.AuthorizationEndpoint)
	if err != nil {
		return nil, ssoError(err)
	}
	q := auth.Query()
	q.Set("scope", "openid")
	q.Set("response_type", responseType)
	q.Set("client_id", a.SSOClientID)
	q.Set("redirect_uri", in.RedirectURI)
	q.Set("nonce", nonce)
	q.Set("state", rand.Text())
	auth.RawQuery = q.Encode()
	return &SSOURL{URL: auth.String(), Discovery: d}, nil
}

// missingOf is missing_parameters naming the (name, value) pairs whose
// value is empty, or nil.
func missingOf(pairs ...string) error {
	if m := emptyNames(pairs...); len(m) > 0 {
		return missing(m...)
	}
	return nil
}

// ResolveSSO verifies an SSO sign-in and returns id acting as the license
// user it names: Username is the token's e-mail (so the answer's
// license_signature covers it, §3.1), limited to the account's licenses.
func (s *Service) ResolveSSO(ctx context.Context, c Caller, id Identity, in SSO) (Identity, error) {
	if id.Username != "" || id.LicenseKey != "" {
		return id, problem.New(problem.CodeValidationError, "customer_account_code replaces username and license_key: send one way of signing in")
	}
	if in.IDToken == "" && in.Code == "" {
		return id, missing("id_token or code")
	}
	a, err := s.ssoAccount(ctx, c, in.AccountCode)
	if err != nil {
		return id, err
	}
	var who *sso.Identity
	if in.IDToken != "" {
		who, err = s.sso.Verify(ctx, a.SSOIssuer, a.SSOClientID, in.IDToken)
	} else {
		who, err = s.sso.Exchange(ctx, a.SSOIssuer, a.SSOClientID, in.Code, in.RedirectURI)
	}
	if err != nil {
		return id, ssoError(err)
	}
	if ok, err := s.validNonce(ctx, a.ID, who.Nonce); err != nil {
		return id, err
	} else if !ok {
		return id, problem.New(problem.CodeSSOTokenInvalid, "the sign-in did not start at this server's sso_url, or is too old")
	}
	id.Username, id.Password, id.ssoAccountID = who.Email, "", a.ID
	return id, nil
}

// ssoNonce makes a nonce for a sign-in to account accountID:
// base64url(account | expiry | random | HMAC).
func (s *Service) ssoNonce(ctx context.Context, accountID int64) (string, error) {
	key, err := s.tokenKey(ctx, true)
	if err != nil {
		return "", err
	}
	b := make([]byte, 32, 48)
	binary.BigEndian.PutUint64(b[0:], uint64(accountID))
	binary.BigEndian.PutUint64(b[8:], uint64(s.now().Add(nonceTTL).Unix()))
	_, _ = rand.Read(b[16:32])
	return base64.RawURLEncoding.EncodeToString(append(b, nonceMAC(key, b)...)), nil
}

// validNonce reports whether nonce is one ssoNonce made for accountID and
// has not expired.
func (s *Service) validNonce(ctx context.Context, accountID int64, nonce string) (bool, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(nonce))
	if err != nil || len(b) != 48 {
		return false, nil
	}
	key, err := s.tokenKey(ctx, false)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !hmac.Equal(b[32:], nonceMAC(key, b[:32])) {
		return false, nil
	}
	acc, exp := int64(binary.BigEndian.Uint64(b[0:])), int64(binary.BigEndian.Uint64(b[8:]))
	return acc == accountID && s.now().Unix() < exp, nil
}

// nonceMAC is a MAC under the OAuth token key, kept apart from tokens by
// its label.
func nonceMAC(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("sso-nonce\x00"))
	m.Write(payload)
	return m.Sum(nil)[:16]
}
