package mgmtapi

import (
	"net/http"
	"strings"

	"github.com/licensor/licensor/internal/store"
)

// licenseRoutes are management-api.md §5.4–§5.7.
func (a *API) licenseRoutes() []route {
	return []route{
		r(http.MethodGet, "licenses", a.listLicenses),
		r(http.MethodGet, "licenses/{id}", a.getLicense),
		r(http.MethodPatch, "licenses/{id}", a.patchLicense),
		r(http.MethodPost, "licenses/{id}/enable", func(c *call) error { return a.setEnabled(c, true) }),
		r(http.MethodPost, "licenses/{id}/disable", func(c *call) error { return a.setEnabled(c, false) }),
		r(http.MethodPost, "licenses/{id}/reset", a.resetLicense),
	}
}

// licenseFilters are the filters of GET licenses/ (§5.4); each reads its
// parameter and adds its clause (licenses as t).
var licenseFilters = []filterSpec{
	{"id__in", idsIn("t.id")},
	{"license_key", text("t.license_key = ?")},
	{"license_key__startswith", prefix("t.license_key")},
	{"license_key__icontains", contains("t.license_key")},
	{"license_key__isnull", nullness("t.license_key")},
	{"order__store_id", text("t.order_store_id = ?")},
	{"order__store_id__startswith", prefix("t.order_store_id")},
	{"order__store_id__icontains", contains("t.order_store_id")},
	{"customer_id", id("t.customer_id = ?")},
	{"customer_email", text("t.customer_id IN (SELECT id FROM customers WHERE lower(email) = lower(?))")},
	{"customer_email__icontains", containsIn("t.customer_id IN (SELECT id FROM customers WHERE lower(email) LIKE ? ESCAPE '\\')")},
	{"customer__reference", text("t.customer_id IN (SELECT id FROM customers WHERE reference = ?)")},
	{"product_id", id("t.product_id = ?")},
	{"product_id__in", idsIn("t.product_id")},
	{"product_short_code", text("t.product_id IN (SELECT id FROM products WHERE short_code = ?)")},
	{"license_users__id", id("t.id IN (SELECT license_id FROM license_user_licenses WHERE license_user_id = ?)")},
	{"license_users__true_email", text(`t.id IN (SELECT lul.license_id FROM license_user_licenses lul JOIN license_users u
		ON u.id = lul.license_user_id WHERE u.email_normalized = lower(?))`)},
	{"devices__hardware_id", text("t.id IN (SELECT license_id FROM devices WHERE hardware_id = ?)")},
	{"enabled", boolean("t.enabled = ?")},
	{"is_trial", boolean("t.is_trial = ?")},
	{"license_type", text("t.license_type = ?")},
	{"created_at__gte", date("t.created_at >= ?")},
	{"created_at__lt", date("t.created_at < ?")},
	{"validity_period__isnull", nullness("t.validity_period")},
}

var licenseOrders = []string{"id", "created_at", "updated_at", "license_key", "validity_period", "times_activated"}

func (a *API) listLicenses(c *call) error {
	return a.list(c, licenseOrders, "id", nil, licenseFilters, func(f store.Filter, p store.Page) (int64, []any, error) {
		total, lics, err := a.cat.Licenses(c.r.Context(), c.principal.CompanyID, f, p)
		out := make([]any, len(lics))
		for i, l := range lics {
			out[i] = newLicense(l)
		}
		return total, out, err
	})
}

func (a *API) getLicense(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	l, err := a.cat.License(c.r.Context(), c.principal.CompanyID, c.ids[0])
	if err != nil {
		return err
	}
	return a.writeJSON(c.w, newLicense(l))
}

// setEnabled serves licenses/{id}/enable/ and disable/ (§5.6): idempotent.
func (a *API) setEnabled(c *call, enabled bool) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	if err := a.cat.LicenseExists(c.r.Context(), c.principal.CompanyID, c.ids[0]); err != nil {
		return err
	}
	if err := noInput(c.r); err != nil {
		return err
	}
	if _, err := a.cat.SetLicenseEnabled(c.r.Context(), a.actor(c), c.ids[0], enabled); err != nil {
		return err
	}
	return a.message(c.w, map[bool]string{true: "License enabled.", false: "License disabled."}[enabled])
}

// noQuery refuses query parameters where an endpoint reads none.
func noQuery(r *http.Request) error {
	q, err := newQuery(r)
	if err != nil {
		return err
	}
	return q.done()
}

// likeEscape escapes LIKE's wildcards in a user's text.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// resetLicense serves licenses/{id}/reset/ (§5.7).
func (a *API) resetLicense(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	if err := a.cat.LicenseExists(c.r.Context(), c.principal.CompanyID, c.ids[0]); err != nil {
		return err
	}
	if err := noInput(c.r); err != nil {
		return err
	}
	if err := a.cat.ResetLicense(c.r.Context(), a.actor(c), c.ids[0]); err != nil {
		return err
	}
	return a.message(c.w, "License and all devices reset.")
}
