package licensor

import (
	"errors"
	"strings"
)

// Identity names a license on a device (license-api.md §1): the product,
// the hardware id, and one of a license key, a username, or an SSO login
// (CustomerAccountCode with IDToken or Code; ActivateLicense and
// FloatingBorrow only).
type Identity struct {
	// Product is the product short code (for bundle calls, the bundle's).
	Product string
	// HardwareID identifies the device; see [HardwareID].
	HardwareID string
	// LicenseKey names a key-based license. Leave it empty for a user-based
	// one.
	LicenseKey string
	// Username names a license user of a user-based license. It may carry a
	// customer account code after a "|" ("ann@example.com|ACME").
	Username string
	// Password is the user's password. It is sent only where the call
	// authenticates the user: ActivateLicense, ActivateBundle and
	// FloatingBorrow.
	Password string
	// CustomerAccountCode, with IDToken (implicit grant: the token the
	// identity provider gave) or Code (authorization code grant, with the
	// RedirectURI it was asked with), logs a license user in through the
	// customer account's SSO (license-api.md §5.18). The license user is
	// the answer's user.email; later calls name it as Username.
	CustomerAccountCode string
	IDToken             string
	Code                string
	RedirectURI         string
	// LicenseID picks one of a user's licenses; 0 means the most recently
	// created one.
	LicenseID int64
	// BundleCode names the bundle when the product is part of one.
	BundleCode string
	// Variables are device variables, sent on activation and deactivation.
	Variables map[string]string
}

// CheckOptions are the options of CheckLicense and CheckBundle.
type CheckOptions struct {
	// IncludeExpiredFeatures keeps features past their expiry date in the
	// answer.
	IncludeExpiredFeatures bool
}

// sso reports whether id is an SSO login.
func (id Identity) sso() bool { return id.CustomerAccountCode != "" }

// signedIdentity is the identity part of license_signature: the license
// key, or the username cut at its first "|" (license-api.md §3.1). For an
// SSO login it is the answer's user.email (see identityFor).
func (id Identity) signedIdentity() string {
	if id.Username != "" {
		if i := strings.IndexByte(id.Username, '|'); i >= 0 {
			return id.Username[:i]
		}
		return id.Username
	}
	return id.LicenseKey
}

// ErrInvalidIdentity is returned for an Identity without exactly one of
// LicenseKey, Username and an SSO login (CustomerAccountCode with exactly
// one of IDToken and Code), or with an SSO login on a call that does not
// take one: the answer's license_signature could not be checked against it.
var ErrInvalidIdentity = errors.New("licensor: Identity needs exactly one of LicenseKey, Username and an SSO login")

// use says which optional parts of an Identity a call sends.
type use struct {
	password  bool
	variables bool
	sso       bool // the call accepts an SSO login
}

// params are the request parameters naming the license.
func (id Identity) params(u use) (map[string]any, error) {
	n := 0
	for _, s := range []string{id.LicenseKey, id.Username, id.CustomerAccountCode} {
		if s != "" {
			n++
		}
	}
	if n != 1 || (id.sso() && (!u.sso || (id.IDToken == "") == (id.Code == ""))) {
		return nil, ErrInvalidIdentity
	}
	p := map[string]any{"product": id.Product, "hardware_id": id.HardwareID}
	switch {
	case id.sso():
		p["customer_account_code"] = id.CustomerAccountCode
		for k, v := range map[string]string{"id_token": id.IDToken, "code": id.Code, "redirect_uri": id.RedirectURI} {
			if v != "" {
				p[k] = v
			}
		}
	case id.LicenseKey != "":
		p["license_key"] = id.LicenseKey
	default:
		p["username"] = id.Username
		if u.password {
			p["password"] = id.Password
		}
	}
	if id.LicenseID != 0 {
		p["license_id"] = id.LicenseID
	}
	if id.BundleCode != "" {
		p["bundle_code"] = id.BundleCode
	}
	if u.variables && len(id.Variables) > 0 {
		p["variables"] = id.Variables
	}
	return p, nil
}

// withTelemetry adds the client telemetry (activate and check).
func (c *Client) withTelemetry(p map[string]any) map[string]any {
	for k, v := range c.telemetry {
		p[k] = v
	}
	return p
}
