package licensor

import (
	"context"
	"net/http"
)

// TrialKey asks for a trial license of a product for a device (GET
// trial_key). A device gets one trial per product, unless the company
// allows more; asking again answers the existing trial (Trial.Existing).
func (c *Client) TrialKey(ctx context.Context, req TrialRequest) (*Trial, error) {
	p := map[string]any{"product": req.Product, "hardware_id": req.HardwareID}
	for k, v := range map[string]string{"email": req.Email, "license_policy": req.LicensePolicy,
		"first_name": req.FirstName, "last_name": req.LastName, "phone": req.Phone, "address": req.Address,
		"postcode": req.Postcode, "state": req.State, "country": req.Country, "city": req.City, "reference": req.Reference} {
		if v != "" {
			p[k] = v
		}
	}
	body, _, err := c.call(ctx, http.MethodGet, "trial_key", p, idempotent)
	if err != nil {
		return nil, err
	}
	return parseTrial(body)
}

// ProductDetails answers a product's details (GET product_details).
func (c *Client) ProductDetails(ctx context.Context, req ProductDetailsRequest) (*Product, error) {
	p := map[string]any{"product": req.Product}
	if req.IncludeLatestVersion {
		p["include_latest_version"] = true
	}
	if req.IncludeCustomFields {
		p["include_custom_fields"] = true
	}
	if req.Env != "" {
		p["env"] = req.Env
	}
	body, _, err := c.call(ctx, http.MethodGet, "product_details", p, idempotent)
	if err != nil {
		return nil, err
	}
	return parseProduct(body)
}

// UserLicenses lists a license user's licenses of a product (GET
// user_licenses); the password authenticates the user.
func (c *Client) UserLicenses(ctx context.Context, product, username, password string) ([]UserLicense, error) {
	p := map[string]any{"product": product, "username": username, "password": password}
	body, _, err := c.call(ctx, http.MethodGet, "user_licenses", p, idempotent)
	if err != nil {
		return nil, err
	}
	return parseUserLicenses(body)
}

// CustomerLicenseUsers lists the users of a customer's licenses of a
// user-based product (GET customer_license_users).
func (c *Client) CustomerLicenseUsers(ctx context.Context, product, customerEmail string) (*CustomerLicenseUsers, error) {
	p := map[string]any{"product": product, "customer": customerEmail}
	body, _, err := c.call(ctx, http.MethodGet, "customer_license_users", p, idempotent)
	if err != nil {
		return nil, err
	}
	return parseCustomerLicenseUsers(body)
}

// DeviceLicenses lists the licenses that have a device (GET
// device_licenses).
func (c *Client) DeviceLicenses(ctx context.Context, hardwareID string) ([]*License, error) {
	body, _, err := c.call(ctx, http.MethodGet, "device_licenses", map[string]any{"hardware_id": hardwareID}, idempotent)
	if err != nil {
		return nil, err
	}
	return parseLicenseList(body)
}
