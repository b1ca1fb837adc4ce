package licenseapi

import (
	"net/http"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/wire"
)

// trialKey serves GET /api/v4/trial_key (license-api.md §5.9).
func (a *API) trialKey(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	c := &collector{p: getParams(r)}
	in := licensing.TrialInput{
		Product: c.str("product"), HardwareID: c.str("hardware_id"), Email: c.str("email"),
		Customer: licensing.CustomerSpec{FirstName: c.str("first_name"), LastName: c.str("last_name"), Phone: c.str("phone"),
			Address: c.str("address"), Postcode: c.str("postcode"), State: c.str("state"), Country: c.str("country"),
			City: c.str("city"), Reference: c.str("reference"), CompanyName: c.str("company_name")},
	}
	if c.err != nil {
		return c.err
	}
	t, err := a.svc.TrialKey(r.Context(), a.caller(r, cred), in)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewTrial(t))
}

// productDetails serves GET /api/v4/product_details (license-api.md §5.10).
func (a *API) productDetails(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	c := &collector{p: getParams(r)}
	code, latest, fields, env := c.str("product"), c.bool("include_latest_version"), c.bool("include_custom_fields"), c.str("env")
	if c.err != nil {
		return c.err
	}
	d, err := a.svc.ProductDetails(r.Context(), a.caller(r, cred), code, latest, fields, env)
	if err != nil {
		return err
	}
	out, err := wire.NewProductDetails(d, latest)
	if err != nil {
		return err
	}
	return a.writeJSON(w, out)
}

// checkLicenseFeature serves GET /api/v4/check_license_feature
// (license-api.md §5.6).
func (a *API) checkLicenseFeature(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	c := &collector{p: getParams(r)}
	id, code := c.identity(), c.str("feature")
	if c.err != nil {
		return c.err
	}
	id.Password = ""
	f, inUse, err := a.svc.CheckFeature(r.Context(), a.caller(r, cred), id, code)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewFeatureCheck(f, cred.CompanyID, inUse))
}

// userLicenses serves GET /api/v4/user_licenses (license-api.md §5.16).
func (a *API) userLicenses(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	c := &collector{p: getParams(r)}
	product, username, pw := c.str("product"), c.str("username"), c.str("password")
	if c.err != nil {
		return c.err
	}
	vs, err := a.svc.UserLicenses(r.Context(), a.caller(r, cred), product, username, pw)
	if err != nil {
		return err
	}
	out := make([]wire.UserLicense, 0, len(vs))
	for _, v := range vs {
		out = append(out, wire.UserLicense{License: wire.NewLicense(v, wire.LicenseOptions{}), User: wire.NewUser(v.User, v.Link)})
	}
	return a.writeJSON(w, out)
}

// deviceLicenses serves GET /api/v4/device_licenses (license-api.md §5.17).
func (a *API) deviceLicenses(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	c := &collector{p: getParams(r)}
	hw := c.str("hardware_id")
	if c.err != nil {
		return c.err
	}
	vs, err := a.svc.DeviceLicenses(r.Context(), a.caller(r, cred), hw)
	if err != nil {
		return err
	}
	out := make([]*wire.License, 0, len(vs))
	for _, v := range vs {
		out = append(out, wire.NewLicense(v, wire.LicenseOptions{}))
	}
	return a.writeJSON(w, out)
}

// customerLicenseUsers serves GET /api/v4/customer_license_users
// (license-api.md §5.15).
func (a *API) customerLicenseUsers(w http.ResponseWriter, r *http.Request, cred *auth.Credential) error {
	c := &collector{p: getParams(r)}
	product, customer := c.str("product"), c.str("customer")
	if c.err != nil {
		return c.err
	}
	cust, rows, err := a.svc.CustomerLicenseUsers(r.Context(), a.caller(r, cred), product, customer)
	if err != nil {
		return err
	}
	return a.writeJSON(w, wire.NewCustomerLicenseUsers(cred.CompanyID, cust, rows))
}
