package catalog

import (
	"context"
	"errors"
	"strings"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Assignment puts a license user on a license (management-api.md §5.9).
type Assignment struct {
	Email, FirstName, LastName, PhoneNumber string
	Password                                string // "": a new user gets a generated initial password
	MaxActivations, TotalActivations        *int64
}

// userLicense returns a user-based license of the company that is not part
// of a bundle.
func (c *Catalog) userBasedLicense(ctx context.Context, companyID, id int64) (*store.License, error) {
	r := c.store.Reader()
	lic, err := r.License(ctx, companyID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("license")
	}
	if err != nil {
		return nil, err
	}
	p, err := r.Product(ctx, companyID, lic.ProductID)
	if err != nil {
		return nil, err
	}
	if p.AuthorizationMethod != store.AuthUser {
		return nil, problem.New(problem.CodeInvalidAuthMethod, "the license is of a key-based product: it has no users")
	}
	return lic, nil
}

// AssignUser puts the user with a.Email (found case-insensitively, or
// created) on license id with the given limits, and returns the password
// to tell the user: the one given, a new user's generated one, or "" when
// an existing user keeps theirs.
func (c *Catalog) AssignUser(ctx context.Context, a Actor, id int64, as Assignment) (string, error) {
	lic, err := c.userBasedLicense(ctx, a.CompanyID, id)
	if err != nil {
		return "", err
	}
	email := strings.TrimSpace(as.Email)
	existing, err := c.store.Reader().LicenseUserByEmail(ctx, a.CompanyID, store.NormalizeEmail(email))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	var hash, told string
	var sealed *string
	if as.Password != "" || existing == nil {
		if hash, told, sealed, err = c.svc.NewUserPassword(ctx, a.CompanyID, email, as.Password); err != nil {
			return "", err
		}
		if as.Password != "" {
			told = as.Password
		}
	}
	now := c.now()
	err = c.store.WithTx(ctx, func(q *store.Queries) error {
		userID := int64(0)
		if existing != nil {
			userID = existing.ID
			if hash != "" {
				if err := q.SetLicenseUserPassword(ctx, a.CompanyID, userID, hash, now); err != nil {
					return err
				}
			}
		} else {
			id, created, err := q.CreateLicenseUserIfAbsent(ctx, store.LicenseUser{CompanyID: a.CompanyID, Email: email, FirstName: as.FirstName,
				LastName: as.LastName, PhoneNumber: as.PhoneNumber, PasswordHash: hash, IsActive: true, IsInitialPassword: as.Password == "",
				InitialPasswordSealed: sealed, CreatedAt: now})
			if err != nil {
				return err
			}
			if !created {
				return problem.New(problem.CodeServerBusy, "the user was created by another request meanwhile; retry")
			}
			userID = id
			if err := c.audit(ctx, q, a, "license_user.created", "license_user", userID, map[string]any{"license_id": lic.ID}); err != nil {
				return err
			}
		}
		max := int64(0)
		if as.MaxActivations != nil {
			max = *as.MaxActivations
		}
		attached, err := q.AttachLicenseUserIfAbsent(ctx, lic.ID, userID, max, now)
		if err != nil {
			return err
		}
		if !attached {
			// Already on it: the limits given are updated, nothing else.
			return q.SetUserLimits(ctx, lic.ID, userID, as.MaxActivations, as.TotalActivations)
		}
		if ok, err := q.ClaimLicenseUserSlot(ctx, lic.ID, now); err != nil {
			return err
		} else if !ok {
			return problem.New(problem.CodeMaxLicenseUsers, "the license has its maximum number of users (max_license_users)")
		}
		if err := q.SetUserLimits(ctx, lic.ID, userID, nil, as.TotalActivations); err != nil {
			return err
		}
		return c.audit(ctx, q, a, "license_user.assigned", "license", lic.ID, map[string]any{"license_user_id": userID})
	})
	return told, err
}

// UnassignUser takes a user off a license and deactivates their devices on
// it (freeing the slots); the user and their other licenses stay.
func (c *Catalog) UnassignUser(ctx context.Context, a Actor, id int64, u UserRef) error {
	lic, err := c.userBasedLicense(ctx, a.CompanyID, id)
	if err != nil {
		return err
	}
	lu, err := c.user(ctx, a.CompanyID, u)
	if err != nil {
		return err
	}
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		devices, err := q.UserDeviceIDs(ctx, lic.ID, lu.ID)
		if err != nil {
			return err
		}
		for _, d := range devices {
			if _, err := c.deactivate(ctx, q, d); err != nil {
				return err
			}
		}
		if err := q.DetachLicenseUser(ctx, lic.ID, lu.ID, c.now()); errors.Is(err, store.ErrNotFound) {
			return problem.New(problem.CodeUserNotAssigned, "the user is not on this license")
		} else if err != nil {
			return err
		}
		return c.audit(ctx, q, a, "license_user.unassigned", "license", lic.ID, map[string]any{"license_user_id": lu.ID, "deactivated": len(devices)})
	})
}
