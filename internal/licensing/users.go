package licensing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/store"
)

// UserSpec describes a license user to create on a license.
type UserSpec struct {
	LicenseID                  int64
	Email                      string
	Password                   string // empty: generate an initial password
	FirstName, LastName, Phone string
	// MaxActivations limits the user's activations on the license; 0 means
	// unlimited (the license's own limit still applies).
	MaxActivations int64
}

// NewLicenseUser is a created license user; InitialPassword is empty when
// the vendor chose the password.
type NewLicenseUser struct {
	ID              int64
	Email           string
	InitialPassword string
}

// userLicense returns a user-based license for attaching users.
func (s *Service) userLicense(ctx context.Context, companyID, id int64) (*store.License, error) {
	lic, err := s.license(ctx, companyID, id)
	if err != nil {
		return nil, err
	}
	prod, err := s.store.Reader().Product(ctx, companyID, lic.ProductID)
	if err != nil {
		return nil, err
	}
	if prod.AuthorizationMethod != store.AuthUser {
		return nil, fmt.Errorf("license %d belongs to a key-based product: license users need a user-based one", lic.ID)
	}
	if lic.BundleLicenseID != nil {
		return nil, fmt.Errorf("license %d is part of bundle license %d: attach users to the bundle license", lic.ID, *lic.BundleLicenseID)
	}
	return lic, nil
}

// CreateLicenseUser creates a license user on a user-based license. Without
// a password it generates an initial one, kept sealed until the user changes
// it.
func (s *Service) CreateLicenseUser(ctx context.Context, companyID int64, spec UserSpec) (*NewLicenseUser, error) {
	email := strings.TrimSpace(spec.Email)
	if !emailRE.MatchString(email) || len(email) > 254 {
		return nil, fmt.Errorf("invalid email %q", spec.Email)
	}
	if spec.MaxActivations < 0 {
		return nil, errors.New("max activations cannot be negative")
	}
	lic, err := s.userLicense(ctx, companyID, spec.LicenseID)
	if err != nil {
		return nil, err
	}
	pw, initial := spec.Password, spec.Password == ""
	if initial {
		pw = newInitialPassword()
	} else if rule := passwordRuleBroken(pw, ""); rule != "" {
		return nil, errors.New("the password " + rule)
	}
	hash, err := s.hash(ctx, pw)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := store.LicenseUser{CompanyID: companyID, Email: email, FirstName: spec.FirstName, LastName: spec.LastName,
		PhoneNumber: spec.Phone, PasswordHash: hash, IsActive: true, IsInitialPassword: initial, CreatedAt: now}
	if initial {
		sealed := s.box.Seal([]byte(pw), initialPasswordAAD(companyID, email))
		u.InitialPasswordSealed = &sealed
	}
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		id, err := q.CreateLicenseUser(ctx, u)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a license user with email %q already exists (attach it with `licensor user attach`)", email)
		}
		if err != nil {
			return err
		}
		u.ID = id
		return s.attach(ctx, q, lic, id, spec.MaxActivations, now)
	})
	if err != nil {
		return nil, err
	}
	out := &NewLicenseUser{ID: u.ID, Email: email}
	if initial {
		out.InitialPassword = pw
	}
	return out, nil
}

// AttachLicenseUser puts an existing license user on another license.
func (s *Service) AttachLicenseUser(ctx context.Context, companyID, licenseID int64, email string, maxActivations int64) error {
	if maxActivations < 0 {
		return errors.New("max activations cannot be negative")
	}
	lic, err := s.userLicense(ctx, companyID, licenseID)
	if err != nil {
		return err
	}
	u, err := s.store.Reader().LicenseUserByEmail(ctx, companyID, email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no license user with email %q", email)
	}
	if err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(q *store.Queries) error {
		return s.attach(ctx, q, lic, u.ID, maxActivations, s.now())
	})
}

// attach links a user to a license (and to its bundle's licenses), within
// each license's max_license_users, claimed in transaction q.
func (s *Service) attach(ctx context.Context, q *store.Queries, lic *store.License, userID, maxActivations int64, now time.Time) error {
	ids, err := s.withBundle(ctx, lic)
	if err != nil {
		return err
	}
	for _, id := range ids {
		err := q.AttachLicenseUser(ctx, id, userID, maxActivations, maxActivations == 0, now)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("the user is already on license %d", id)
		}
		if err != nil {
			return err
		}
		ok, err := q.ClaimLicenseUserSlot(ctx, id, now)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("license %d already has its maximum number of users (max_license_users)", id)
		}
	}
	return nil
}

// InitialPassword returns a user's initial password in clear text while the
// user has not changed it ("" afterwards), as the vendor sees it.
func (s *Service) InitialPassword(u *store.LicenseUser) (string, error) {
	if u.InitialPasswordSealed == nil {
		return "", nil
	}
	pw, err := s.box.Open(*u.InitialPasswordSealed, initialPasswordAAD(u.CompanyID, u.Email))
	if err != nil {
		return "", fmt.Errorf("unseal initial password of license user %d: %w", u.ID, err)
	}
	return string(pw), nil
}

// SetLicenseUserActive activates or deactivates a license user; an inactive
// user fails every password check.
func (s *Service) SetLicenseUserActive(ctx context.Context, companyID, id int64, active bool) error {
	err := s.store.WithTx(ctx, func(q *store.Queries) error { return q.SetLicenseUserActive(ctx, companyID, id, active, s.now()) })
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no license user with id %d", id)
	}
	return err
}

// BlacklistDevice blacklists a hardware id: activations, checks and trials
// from it fail with blacklisted.
func (s *Service) BlacklistDevice(ctx context.Context, companyID int64, hardwareID, reason string) error {
	if strings.TrimSpace(hardwareID) == "" {
		return errors.New("a hardware id is required")
	}
	err := s.store.WithTx(ctx, func(q *store.Queries) error { return q.BlacklistDevice(ctx, companyID, hardwareID, reason, s.now()) })
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("device %q is already blacklisted", hardwareID)
	}
	return err
}

// UnblacklistDevice lifts a blacklisting.
func (s *Service) UnblacklistDevice(ctx context.Context, companyID int64, hardwareID string) error {
	err := s.store.WithTx(ctx, func(q *store.Queries) error { return q.UnblacklistDevice(ctx, companyID, hardwareID) })
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("device %q is not blacklisted", hardwareID)
	}
	return err
}
