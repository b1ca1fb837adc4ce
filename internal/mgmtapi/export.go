package mgmtapi

import (
	"bytes"
	"net/http"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// The CLI prints the same objects with --json as the API answers.

// LicenseObject renders a license as GET licenses/{id}/ does.
func LicenseObject(l *catalog.License) any { return newLicense(l) }

// LicenseStatus is a license's status: Active, Inactive, Disabled or
// Expired.
func LicenseStatus(l *catalog.License) string { return status(l) }

// DeviceObject renders a device as GET devices/{id}/ does.
func DeviceObject(d *catalog.Device) any { return newDevice(d) }

// UserObject renders a license user as GET license-users/{id}/ does.
func UserObject(u *catalog.User) any { return newUser(u) }

func notFound(what string) error { return problem.New(problem.CodeNotFound, what+" not found") }

// Filters builds a list filter of kind ("licenses", "devices",
// "license-users", "audit-events") from query-style parameters, as the
// list endpoint would: the CLI's list commands share the API's filters.
func Filters(kind string, params map[string]string) (store.Filter, error) {
	specs := map[string][]filterSpec{"licenses": licenseFilters, "devices": deviceFilters, "license-users": userFilters,
		"audit-events": auditFilters}[kind]
	var f store.Filter
	for _, s := range specs {
		if v, ok := params[s.name]; ok && v != "" {
			if err := s.apply(&f, s.name, v); err != nil {
				return f, err
			}
		}
	}
	return f, nil
}

// ReadOrder reads a create_order body as POST orders/create_order/ does
// (for `licensor order create --file`).
func ReadOrder(body []byte) (catalog.OrderInput, error) {
	r, _ := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	m, err := object(r)
	if err != nil {
		return catalog.OrderInput{}, err
	}
	in, err := readOrder(m)
	in.Order.RequestHash = canonicalHash(m)
	return in, err
}

// OrderObject renders an order with its licenses as GET orders/{id}/ does.
func OrderObject(o *catalog.Order, licenses []*catalog.License) any {
	out := newOrder(o)
	out.Licenses = []licenseJSON{}
	for _, l := range licenses {
		out.Licenses = append(out.Licenses, newLicense(l))
	}
	return out
}
