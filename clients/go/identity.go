package licensor

import (
	"errors"
	"strings"
)

// Identity names a license on a device (license-api.md §1): the product,
// the hardware id, and either a license key or a username.
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
	// authenticates the user: ActivateLicense and ActivateBundle.
	Password string
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

// signedIdentity is the identity part of license_signature: the license
// key, or the username cut at its first "|" (license-api.md §3.1).
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
// LicenseKey and Username: the answer's license_signature could not be
// checked against it.
var ErrInvalidIdentity = errors.New("licensor: Identity needs exactly one of LicenseKey and Username")

// use says which optional parts of an Identity a call sends.
type use struct {
	password  bool
	variables bool
}

// params are the request parameters naming the license.
func (id Identity) params(u use) (map[string]any, error) {
	if (id.LicenseKey == "") == (id.Username == "") {
		return nil, ErrInvalidIdentity
	}
	p := map[string]any{"product": id.Product, "hardware_id": id.HardwareID}
	if id.LicenseKey != "" {
		p["license_key"] = id.LicenseKey
	} else {
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
