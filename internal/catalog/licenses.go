package catalog

import (
	"context"
	"errors"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// License is a license as the vendor sees it: the License API's view (its
// product, customer, features and custom fields) plus its users and
// whether a device is active on it.
type License struct {
	*licensing.LicenseView
	Users        []LicenseUser
	ActiveDevice bool
	OrderID      int64 // 0: not issued by an order
}

// LicenseUser is a user on a license, with the initial password while it
// is still the user's (the vendor may read it, management-api.md §2.1).
type LicenseUser struct {
	store.LicenseUser
	Link            store.LicenseUserLink
	InitialPassword string
}

func notFound(what string) error { return problem.New(problem.CodeNotFound, what+" not found") }

// License returns license id of the company, or not_found.
func (c *Catalog) License(ctx context.Context, companyID, id int64) (*License, error) {
	v, err := c.svc.ShowLicense(ctx, companyID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("license")
	}
	if err != nil {
		return nil, err
	}
	out := &License{LicenseView: v}
	r := c.store.Reader()
	users, links, err := r.LicenseUsersOf(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range users {
		pw, err := c.svc.InitialPassword(&users[i])
		if err != nil {
			return nil, err
		}
		out.Users = append(out.Users, LicenseUser{LicenseUser: users[i], Link: links[i], InitialPassword: pw})
	}
	if out.ActiveDevice, err = r.HasActiveDevice(ctx, id); err != nil {
		return nil, err
	}
	if out.OrderID, err = r.LicenseOrderID(ctx, id); err != nil {
		return nil, err
	}
	return out, nil
}

// Licenses lists a page of the company's licenses that match f.
func (c *Catalog) Licenses(ctx context.Context, companyID int64, f store.Filter, p store.Page) (int64, []*License, error) {
	total, ids, err := c.store.Reader().LicenseIDs(ctx, companyID, f, p)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*License, 0, len(ids))
	for _, id := range ids {
		l, err := c.License(ctx, companyID, id)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, l)
	}
	return total, out, nil
}

// SetLicenseEnabled enables or disables a license (and a bundle license's
// licenses) and reports whether anything changed: doing it twice answers
// the same and records nothing the second time.
func (c *Catalog) SetLicenseEnabled(ctx context.Context, a Actor, id int64, enabled bool) (bool, error) {
	lic, err := c.store.Reader().License(ctx, a.CompanyID, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, notFound("license")
	}
	if err != nil {
		return false, err
	}
	if lic.Enabled == enabled {
		return false, nil
	}
	action := map[bool]string{true: "license.enabled", false: "license.disabled"}[enabled]
	return true, c.store.WithTx(ctx, func(q *store.Queries) error {
		if err := q.SetLicenseEnabledTree(ctx, a.CompanyID, id, enabled, c.now()); err != nil {
			return err
		}
		return c.audit(ctx, q, a, action, "license", id, map[string]any{"fields": []string{"enabled"}})
	})
}

// LicenseExists answers not_found unless license id is the company's.
func (c *Catalog) LicenseExists(ctx context.Context, companyID, id int64) error {
	_, err := c.store.Reader().License(ctx, companyID, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("license")
	}
	return err
}

// SetLicensesEnabled enables or disables licenses all or nothing: an id
// that is not the company's license is not_found (naming it) and nothing
// changes. Licenses already so are left as they are.
func (c *Catalog) SetLicensesEnabled(ctx context.Context, a Actor, ids []int64, enabled bool) error {
	action := map[bool]string{true: "license.enabled", false: "license.disabled"}[enabled]
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		var change []int64
		for _, id := range ids {
			lic, err := q.License(ctx, a.CompanyID, id)
			if errors.Is(err, store.ErrNotFound) {
				return problem.Newf(problem.CodeNotFound, "license %d not found", id)
			}
			if err != nil {
				return err
			}
			if lic.Enabled != enabled {
				change = append(change, id)
			}
		}
		for _, id := range change {
			if err := q.SetLicenseEnabledTree(ctx, a.CompanyID, id, enabled, c.now()); err != nil {
				return err
			}
			if err := c.audit(ctx, q, a, action, "license", id, map[string]any{"fields": []string{"enabled"}, "bulk": true}); err != nil {
				return err
			}
		}
		return nil
	})
}
