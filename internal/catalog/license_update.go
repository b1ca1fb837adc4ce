package catalog

import (
	"context"
	"errors"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// LicenseChange is a change to a license's settings: key=value pairs as
// the CLI's `license set` takes them (validated by the same table), the
// names of the fields they change, and optionally a new customer.
type LicenseChange struct {
	Settings    []string
	Fields      []string
	SetCustomer bool
	CustomerID  *int64 // with SetCustomer: nil takes the customer off
}

// UpdateLicense changes a license (and a bundle license's licenses) in one
// transaction, recording license.updated with the changed fields' names.
func (c *Catalog) UpdateLicense(ctx context.Context, a Actor, id int64, ch LicenseChange) error {
	cols, err := licensing.LicenseColumns(ch.Settings)
	if err != nil {
		return problem.New(problem.CodeValidationError, err.Error())
	}
	r := c.store.Reader()
	lic, err := r.License(ctx, a.CompanyID, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("license")
	}
	if err != nil {
		return err
	}
	if ch.SetCustomer {
		var v any
		if ch.CustomerID != nil {
			if _, err := r.Customer(ctx, a.CompanyID, *ch.CustomerID); errors.Is(err, store.ErrNotFound) {
				return problem.New(problem.CodeValidationError, "customer_id: no such customer")
			} else if err != nil {
				return err
			}
			v = *ch.CustomerID
		}
		cols = append(cols, store.Column{Name: "customer_id", Value: v})
	}
	children, err := r.BundleChildren(ctx, lic.ID)
	if err != nil {
		return err
	}
	ids := []int64{lic.ID}
	for _, ch := range children {
		ids = append(ids, ch.ID)
	}
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		for _, id := range ids {
			if err := q.UpdateColumns(ctx, "licenses", a.CompanyID, id, cols, c.now()); err != nil {
				return err
			}
		}
		after, err := q.License(ctx, a.CompanyID, id)
		if err != nil {
			return err
		}
		if after.LicenseType == store.LicenseTimeLimited && after.ValidityPeriod == nil && after.ValidDuration == "" {
			return problem.New(problem.CodeValidationError, "license_type: a time-limited license needs validity_period or valid_duration")
		}
		return c.audit(ctx, q, a, "license.updated", "license", id, map[string]any{"fields": ch.Fields})
	})
}
