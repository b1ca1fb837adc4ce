package licensor

import (
	"context"
	"net/http"
	"time"
)

// AddConsumption adds n units (negative gives units back, where the
// license allows) to a consumption license's counter (POST
// add_consumption). Past the limit (plus overages) the answer is an
// *APIError with code license_not_enough_consumptions and nothing is
// added. Like deactivation it is retried on 429 and 503 only: after a
// network error the first attempt may have counted.
func (c *Client) AddConsumption(ctx context.Context, id Identity, n int64, opts ConsumptionOptions) (*Consumption, error) {
	p, err := id.params(use{})
	if err != nil {
		return nil, err
	}
	p["consumptions"] = n
	if opts.MaxOverages != nil {
		p["max_overages"] = *opts.MaxOverages
	}
	if opts.AllowOverages != nil {
		p["allow_overages"] = *opts.AllowOverages
	}
	return c.consume(ctx, "add_consumption", p)
}

// AddFeatureConsumption adds n units to a consumption feature's counter
// (POST add_feature_consumption): feature_not_enough_consumptions past
// its limit, feature_not_consumption for another kind of feature.
func (c *Client) AddFeatureConsumption(ctx context.Context, id Identity, feature string, n int64) (*Consumption, error) {
	p, err := id.params(use{})
	if err != nil {
		return nil, err
	}
	p["feature"], p["consumptions"] = feature, n
	return c.consume(ctx, "add_feature_consumption", p)
}

func (c *Client) consume(ctx context.Context, endpoint string, p map[string]any) (*Consumption, error) {
	body, _, err := c.call(ctx, http.MethodPost, endpoint, p, once)
	if err != nil {
		return nil, err
	}
	return parseConsumption(body)
}

// TrackDeviceVariables stores variables on the license's device (POST
// track_device_variables); the server keeps values as strings. It answers
// the variables stored.
func (c *Client) TrackDeviceVariables(ctx context.Context, id Identity, variables map[string]string) ([]DeviceVariable, error) {
	p, err := id.params(use{})
	if err != nil {
		return nil, err
	}
	if variables == nil {
		variables = map[string]string{}
	}
	p["variables"] = variables
	body, _, err := c.call(ctx, http.MethodPost, "track_device_variables", p, idempotent)
	if err != nil {
		return nil, err
	}
	return parseDeviceVariables(body)
}

// GetDeviceVariables lists the variables of the license's device (GET
// get_device_variables).
func (c *Client) GetDeviceVariables(ctx context.Context, id Identity) ([]DeviceVariable, error) {
	body, err := c.identityGet(ctx, "get_device_variables", id, nil)
	if err != nil {
		return nil, err
	}
	return parseDeviceVariables(body)
}

// Versions lists the product's released versions (GET versions); the
// device must be active on the license (else active_license_required).
func (c *Client) Versions(ctx context.Context, id Identity, opts VersionOptions) ([]ProductVersion, error) {
	body, err := c.identityGet(ctx, "versions", id, map[string]string{"env": opts.Env, "channel": opts.Channel})
	if err != nil {
		return nil, err
	}
	return parseVersions(body)
}

// InstallationFile answers a version's installation file (GET
// installation_file): the latest unless opts.Version names one
// (version_not_found when there is none).
func (c *Client) InstallationFile(ctx context.Context, id Identity, opts InstallationFileOptions) (*InstallationFile, error) {
	body, err := c.identityGet(ctx, "installation_file", id,
		map[string]string{"env": opts.Env, "channel": opts.Channel, "version": opts.Version})
	if err != nil {
		return nil, err
	}
	return parseInstallationFile(body)
}

// identityGet sends a GET naming the license, with the non-empty extra
// parameters.
func (c *Client) identityGet(ctx context.Context, endpoint string, id Identity, extra map[string]string) ([]byte, error) {
	p, err := id.params(use{})
	if err != nil {
		return nil, err
	}
	for k, v := range extra {
		if v != "" {
			p[k] = v
		}
	}
	body, _, err := c.call(ctx, http.MethodGet, endpoint, p, idempotent)
	return body, err
}

// FloatingBorrow keeps the device's floating seat until until, without
// checks (POST floating/borrow); nil until means now plus the license's
// max_borrow_time. The license must allow borrowing (else
// borrowing_not_allowed); a time in the past or beyond max_borrow_time is
// borrow_until_not_valid. A user-based license needs the Password; an SSO
// login is accepted.
func (c *Client) FloatingBorrow(ctx context.Context, id Identity, until *time.Time) (*Borrow, error) {
	return c.borrow(ctx, "floating/borrow", id, nil, until)
}

// FloatingRelease frees the device's floating seat, borrowed or not (POST
// floating/release).
func (c *Client) FloatingRelease(ctx context.Context, id Identity) error {
	return c.release(ctx, "floating/release", id, nil)
}

// FloatingFeatureBorrow borrows the device's seat of a floating feature
// (POST floating/feature_borrow), under the license's borrowing rules.
func (c *Client) FloatingFeatureBorrow(ctx context.Context, id Identity, feature string, until *time.Time) (*Borrow, error) {
	return c.borrow(ctx, "floating/feature_borrow", id, map[string]any{"feature": feature}, until)
}

// FloatingFeatureRelease frees the device's seat of a floating feature
// (POST floating/feature_release).
func (c *Client) FloatingFeatureRelease(ctx context.Context, id Identity, feature string) error {
	return c.release(ctx, "floating/feature_release", id, map[string]any{"feature": feature})
}

func (c *Client) borrow(ctx context.Context, endpoint string, id Identity, extra map[string]any, until *time.Time) (*Borrow, error) {
	p, err := id.params(use{password: true, sso: true})
	if err != nil {
		return nil, err
	}
	for k, v := range extra {
		p[k] = v
	}
	p["borrowed_until"] = nil
	if until != nil {
		p["borrowed_until"] = until.UTC().Format(isoMillis)
	}
	body, _, err := c.call(ctx, http.MethodPost, endpoint, p, idempotent)
	if err != nil {
		return nil, err
	}
	return parseBorrow(body)
}

// release frees a seat; the server answers 200 with an empty body.
func (c *Client) release(ctx context.Context, endpoint string, id Identity, extra map[string]any) error {
	p, err := id.params(use{})
	if err != nil {
		return err
	}
	for k, v := range extra {
		p[k] = v
	}
	_, _, err = c.send(ctx, http.MethodPost, endpoint, p, callOpts{retry: idempotent, emptyOK: true})
	return err
}

// isoMillis is the License API's time form, 2026-06-18T00:00:00.000Z.
const isoMillis = "2006-01-02T15:04:05.000Z07:00"

// SSOURL answers the URL that logs a customer account's user in through
// its identity provider (GET sso_url); activate afterwards with an
// Identity carrying CustomerAccountCode and IDToken or Code.
func (c *Client) SSOURL(ctx context.Context, req SSOURLRequest) (*SSOURL, error) {
	p := map[string]any{"product": req.Product, "customer_account_code": req.CustomerAccountCode}
	if req.ResponseType != "" {
		p["response_type"] = req.ResponseType
	}
	if req.RedirectURI != "" {
		p["redirect_uri"] = req.RedirectURI
	}
	body, _, err := c.call(ctx, http.MethodGet, "sso_url", p, idempotent)
	if err != nil {
		return nil, err
	}
	return parseSSOURL(body)
}
