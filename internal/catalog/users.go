package catalog

import (
	"context"
	"errors"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/store"
)

// UserRef names a license user by id or, when ID is 0, by e-mail.
type UserRef struct {
	ID    int64
	Email string
}

func (c *Catalog) user(ctx context.Context, companyID int64, u UserRef) (*store.LicenseUser, error) {
	r := c.store.Reader()
	var lu *store.LicenseUser
	var err error
	if u.ID != 0 {
		lu, err = r.LicenseUser(ctx, companyID, u.ID)
	} else {
		lu, err = r.LicenseUserByEmail(ctx, companyID, store.NormalizeEmail(u.Email))
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("license user")
	}
	return lu, err
}

// SetPassword sets a license user's password for the vendor
// (management-api.md §5.11): the policy of change_password, no longer an
// initial password, the username's failed-attempt throttle cleared; the
// License API takes the new password at once and refuses the old one.
func (c *Catalog) SetPassword(ctx context.Context, a Actor, u UserRef, password string) error {
	lu, err := c.user(ctx, a.CompanyID, u)
	if err != nil {
		return err
	}
	hash, err := c.svc.HashVendorPassword(ctx, password)
	if err != nil {
		return err
	}
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		if err := q.SetLicenseUserPassword(ctx, a.CompanyID, lu.ID, hash, c.now()); err != nil {
			return err
		}
		if err := q.ClearThrottle(ctx, store.ThrottleUser, licensing.UserThrottleBucket(a.CompanyID, lu.Email)); err != nil {
			return err
		}
		return c.audit(ctx, q, a, "license_user.password_set", "license_user", lu.ID, map[string]any{"fields": []string{"password"}})
	})
}

// FindUser returns the company's license user u names, or not_found.
func (c *Catalog) FindUser(ctx context.Context, companyID int64, u UserRef) (*store.LicenseUser, error) {
	return c.user(ctx, companyID, u)
}

// User is a license user with the licenses they are on.
type User struct {
	store.LicenseUser
	InitialPassword string
	Licenses        []UserLicense
}

// UserLicense is one license a user is on, with the user's limits there.
type UserLicense struct {
	LicenseID        int64
	ProductShortCode string
	Link             store.LicenseUserLink
}

// User returns license user id of the company, or not_found.
func (c *Catalog) User(ctx context.Context, companyID, id int64) (*User, error) {
	lu, err := c.user(ctx, companyID, UserRef{ID: id})
	if err != nil {
		return nil, err
	}
	pw, err := c.svc.InitialPassword(lu)
	if err != nil {
		return nil, err
	}
	links, err := c.store.Reader().UserMemberships(ctx, lu.ID)
	if err != nil {
		return nil, err
	}
	out := &User{LicenseUser: *lu, InitialPassword: pw}
	for _, m := range links {
		out.Licenses = append(out.Licenses, UserLicense{LicenseID: m.Link.LicenseID, ProductShortCode: m.ProductShortCode, Link: m.Link})
	}
	return out, nil
}

// Users lists a page of the company's license users that match f.
func (c *Catalog) Users(ctx context.Context, companyID int64, f store.Filter, p store.Page) (int64, []*User, error) {
	total, ids, err := c.store.Reader().LicenseUserIDs(ctx, companyID, f, p)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*User, 0, len(ids))
	for _, id := range ids {
		u, err := c.User(ctx, companyID, id)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, u)
	}
	return total, out, nil
}
