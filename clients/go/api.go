package licensor

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// signedLicenses is a verified answer of activate, check or a bundle call:
// the licenses, and the bytes and header they came in (for the license
// file).
type signedLicenses struct {
	licenses []*License
	body     []byte
	header   string
}

// licenseCall sends a call that answers License objects (one, or an array
// for bundles), and verifies the v1 license_signature of each against what
// was sent.
func (c *Client) licenseCall(ctx context.Context, method, endpoint string, id Identity, p map[string]any, bundle bool) (*signedLicenses, error) {
	body, header, err := c.call(ctx, method, endpoint, p, idempotent)
	if err != nil {
		return nil, err
	}
	ls, err := c.decodeLicenses(body, id, bundle)
	if err != nil {
		return nil, err
	}
	return &signedLicenses{licenses: ls, body: body, header: header}, nil
}

// decodeLicenses checks and decodes a verified License answer: one object,
// or with bundle an array of them. Every object must carry a
// license_signature over the request's hardware id and identity.
func (c *Client) decodeLicenses(body []byte, id Identity, bundle bool) ([]*License, error) {
	objs := []json.RawMessage{body}
	if bundle {
		objs = nil
		if json.Unmarshal(body, &objs) != nil || objs == nil {
			return nil, unexpected("the answer is not an array of License objects")
		}
	}
	out := make([]*License, 0, len(objs))
	for _, o := range objs {
		var m map[string]json.RawMessage
		if json.Unmarshal(o, &m) != nil || m == nil {
			return nil, unexpected("the answer is not a License object")
		}
		identity := id.signedIdentity()
		if id.sso() {
			identity = answerEmail(o)
		}
		if err := verifyLicenseObject(c.publicKey, o, id.HardwareID, identity); err != nil {
			return nil, err
		}
		l, err := parseLicense(o)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// answerEmail is the user.email of a License object: the identity that
// license_signature covers for an SSO login (license-api.md §3.1), cut at
// its first "|" by v1Message.
func answerEmail(obj json.RawMessage) string {
	var a struct {
		User *struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	if json.Unmarshal(obj, &a) != nil || a.User == nil {
		return ""
	}
	return a.User.Email
}

// expectString checks that a verified body is the JSON string want
// ("license_deactivated", "password_changed").
func expectString(body []byte, want string) error {
	var s string
	if json.Unmarshal(body, &s) != nil || strings.TrimSpace(s) != want {
		return unexpected("the answer is not \"" + want + "\"")
	}
	return nil
}

// ActivateLicense activates the license on the device (POST
// activate_license). Activating an active device again succeeds and takes no
// further slot. For a user-based license, id carries Username and Password.
func (c *Client) ActivateLicense(ctx context.Context, id Identity) (*License, error) {
	a, err := c.activate(ctx, "activate_license", id, false)
	if err != nil {
		return nil, err
	}
	return a.licenses[0], nil
}

// CheckLicense checks the license on the device (GET check_license).
func (c *Client) CheckLicense(ctx context.Context, id Identity, opts CheckOptions) (*License, error) {
	a, err := c.check(ctx, "check_license", id, opts, false)
	if err != nil {
		return nil, err
	}
	return a.licenses[0], nil
}

// DeactivateLicense deactivates the license on the device, freeing its slot
// (POST deactivate_license).
func (c *Client) DeactivateLicense(ctx context.Context, id Identity) error {
	return c.deactivate(ctx, "deactivate_license", id)
}

// ActivateBundle activates every license of a bundle on the device (POST
// activate_bundle); id.Product is the bundle's code.
func (c *Client) ActivateBundle(ctx context.Context, id Identity) ([]*License, error) {
	a, err := c.activate(ctx, "activate_bundle", id, true)
	if err != nil {
		return nil, err
	}
	return a.licenses, nil
}

// CheckBundle checks every license of a bundle on the device (GET
// check_bundle).
func (c *Client) CheckBundle(ctx context.Context, id Identity, opts CheckOptions) ([]*License, error) {
	a, err := c.check(ctx, "check_bundle", id, opts, true)
	if err != nil {
		return nil, err
	}
	return a.licenses, nil
}

// DeactivateBundle deactivates every license of a bundle on the device
// (POST deactivate_bundle).
func (c *Client) DeactivateBundle(ctx context.Context, id Identity) error {
	return c.deactivate(ctx, "deactivate_bundle", id)
}

func (c *Client) activate(ctx context.Context, endpoint string, id Identity, bundle bool) (*signedLicenses, error) {
	p, err := id.params(use{password: true, variables: true, sso: !bundle})
	if err != nil {
		return nil, err
	}
	return c.licenseCall(ctx, http.MethodPost, endpoint, id, c.withTelemetry(p), bundle)
}

func (c *Client) check(ctx context.Context, endpoint string, id Identity, opts CheckOptions, bundle bool) (*signedLicenses, error) {
	p, err := id.params(use{})
	if err != nil {
		return nil, err
	}
	if opts.IncludeExpiredFeatures {
		p["include_expired_features"] = true
	}
	return c.licenseCall(ctx, http.MethodGet, endpoint, id, c.withTelemetry(p), bundle)
}

func (c *Client) deactivate(ctx context.Context, endpoint string, id Identity) error {
	p, err := id.params(use{variables: true})
	if err != nil {
		return err
	}
	body, _, err := c.call(ctx, http.MethodPost, endpoint, p, once)
	if err != nil {
		return err
	}
	return expectString(body, "license_deactivated")
}

// CheckLicenseFeature checks one feature of the license on the device (GET
// check_license_feature). A feature the license lacks is an APIError with
// code unsupported_product_feature.
func (c *Client) CheckLicenseFeature(ctx context.Context, id Identity, feature string) (*Feature, error) {
	p, err := id.params(use{})
	if err != nil {
		return nil, err
	}
	p["feature"] = feature
	body, _, err := c.call(ctx, http.MethodGet, "check_license_feature", p, idempotent)
	if err != nil {
		return nil, err
	}
	return parseFeature(body)
}

// ChangePassword changes a license user's password (POST change_password).
// The company must allow it (`licensor company set
// allow_change_password=true`); otherwise the APIError has code
// change_password_not_allowed.
func (c *Client) ChangePassword(ctx context.Context, username, password, newPassword string) error {
	p := map[string]any{"username": username, "password": password, "new_password": newPassword}
	body, _, err := c.call(ctx, http.MethodPost, "change_password", p, once)
	if err != nil {
		return err
	}
	return expectString(body, "password_changed")
}
