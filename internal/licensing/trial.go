package licensing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// TrialInput is a trial_key request once decoded (license-api.md §5.9).
type TrialInput struct {
	Product    string
	HardwareID string
	Email      string // the trial's license user (user-based products) and customer
	Customer   CustomerSpec
}

// Trial is what trial_key answers: a new trial license, or the trial this
// device already has.
type Trial struct {
	Existing        bool
	License         store.License
	Product         store.Product
	Key             string // key-based
	User            *store.LicenseUser
	InitialPassword string // user-based: the user's initial password, while unchanged
	Features        []store.LicenseFeature
	CustomFields    []store.CustomField
}

// TrialKey issues a trial license for a device: one per device and product
// unless the company allows more. A device whose trial expired gets
// trial_expired; one whose trial still runs gets that trial again.
func (s *Service) TrialKey(ctx context.Context, c Caller, in TrialInput) (*Trial, error) {
	var m []string
	if in.Product == "" {
		m = append(m, "product")
	}
	if in.HardwareID == "" {
		m = append(m, "hardware_id")
	}
	if len(m) > 0 {
		return nil, missing(m...)
	}
	prod, err := s.product(ctx, c, in.Product)
	if err != nil {
		return nil, err
	}
	if !prod.AllowTrial {
		return nil, problem.Newf(problem.CodeTrialNotAllowed, "product %q does not offer trials", prod.ShortCode)
	}
	if prod.AuthorizationMethod == store.AuthUser && in.Email == "" {
		return nil, missing("email")
	}
	if in.Email != "" && !emailRE.MatchString(in.Email) {
		return nil, problem.New(problem.CodeValidationError, "email is not a valid email address")
	}
	black, err := s.store.Reader().IsBlacklisted(ctx, c.CompanyID, in.HardwareID)
	if err != nil {
		return nil, err
	}
	if black {
		return nil, problem.New(problem.CodeBlacklisted, "this device is blacklisted")
	}
	company, err := s.store.Reader().Company(ctx, c.CompanyID)
	if err != nil {
		return nil, err
	}
	now := s.now()

	// Hash a new user's initial password before the transaction: hashing
	// is slow and must not hold the write lock.
	var initial, initialHash string
	var existingUser *store.LicenseUser
	if prod.AuthorizationMethod == store.AuthUser {
		existingUser, err = s.store.Reader().LicenseUserByEmail(ctx, c.CompanyID, in.Email)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if existingUser == nil {
			initial = newInitialPassword()
			if initialHash, err = s.hash(ctx, initial); err != nil {
				return nil, err
			}
		}
	}

	t := &Trial{Product: *prod}
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		prev, err := q.LatestTrial(ctx, prod.ID, in.HardwareID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if prev != nil && !company.AllowMultipleTrials {
			if expired(prev, now) {
				return problem.New(problem.CodeTrialExpired, "the trial period for this device has expired")
			}
			t.Existing, t.License = true, *prev
			return s.fillTrialHolder(ctx, q, t)
		}
		return s.issueTrial(ctx, q, c, prod, in, existingUser, initial, initialHash, t, now)
	})
	if err != nil {
		return nil, err
	}
	if !t.Existing {
		r := s.store.Reader()
		if t.Features, err = r.LicenseFeatures(ctx, t.License.ID); err != nil {
			return nil, err
		}
		if t.CustomFields, err = r.LicenseCustomFields(ctx, t.License.ID, prod.ID); err != nil {
			return nil, err
		}
		if t.User != nil && t.InitialPassword == "" {
			if t.InitialPassword, err = s.InitialPassword(t.User); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// fillTrialHolder finds who holds an existing trial: its key or its user.
func (s *Service) fillTrialHolder(ctx context.Context, q *store.Queries, t *Trial) error {
	if t.License.LicenseKey != nil {
		t.Key = *t.License.LicenseKey
		return nil
	}
	users, _, err := q.LicenseUsersOf(ctx, t.License.ID)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		t.User = &users[0]
	}
	return nil
}

func (s *Service) issueTrial(ctx context.Context, q *store.Queries, c Caller, prod *store.Product, in TrialInput,
	user *store.LicenseUser, initial, initialHash string, t *Trial, now time.Time) error {
	validity := now.AddDate(0, 0, int(prod.TrialDays)).Truncate(time.Millisecond)
	lic := store.License{
		CompanyID:              c.CompanyID,
		ProductID:              prod.ID,
		LicenseType:            prod.DefaultLicenseType,
		IsTrial:                true,
		TrialDays:              prod.TrialDays,
		Enabled:                true,
		ValidityPeriod:         &validity,
		MaxActivations:         max(prod.TrialMaxActivations, 1),
		PreventVM:              prod.PreventVM,
		FloatingTimeout:        prod.FloatingTimeout,
		AllowOverages:          prod.AllowOverages,
		MaxOverages:            prod.MaxOverages,
		AllowOfflineActivation: true,
		CreatedAt:              now,
		UpdatedAt:              now,
	}
	if in.Email != "" {
		cust, err := s.customerFor(ctx, q, c.CompanyID, in.Email, in.Customer, now)
		if err != nil {
			return err
		}
		lic.CustomerID = &cust.ID
	}
	if prod.AuthorizationMethod == store.AuthLicenseKey {
		key := newLicenseKey()
		lic.LicenseKey = &key
		t.Key = key
	}
	id, err := q.CreateLicense(ctx, lic)
	if err != nil {
		return err
	}
	lic.ID = id
	if err := s.addProductFeatures(ctx, q, lic.ID, prod.ID, now); err != nil {
		return err
	}
	if prod.AuthorizationMethod == store.AuthUser {
		if user == nil {
			sealed := s.box.Seal([]byte(initial), initialPasswordAAD(c.CompanyID, in.Email))
			u := store.LicenseUser{CompanyID: c.CompanyID, Email: in.Email, FirstName: in.Customer.FirstName,
				LastName: in.Customer.LastName, PhoneNumber: in.Customer.Phone, PasswordHash: initialHash, IsActive: true,
				IsInitialPassword: true, InitialPasswordSealed: &sealed, CreatedAt: now}
			if u.ID, err = q.CreateLicenseUser(ctx, u); err != nil {
				return fmt.Errorf("create trial user: %w", err)
			}
			user = &u
			t.InitialPassword = initial
		}
		if err := q.AttachLicenseUser(ctx, lic.ID, user.ID, 0, true, now); err != nil {
			return err
		}
		t.User = user
	}
	if err := q.RecordTrial(ctx, c.CompanyID, prod.ID, in.HardwareID, lic.ID, now); err != nil {
		return err
	}
	t.License = lic
	return s.audit(ctx, q, c, "license.trial_issued", lic.ID, map[string]any{"hardware_id": in.HardwareID}, now)
}

// addProductFeatures gives a new license every feature of its product,
// with the product's default limits.
func (s *Service) addProductFeatures(ctx context.Context, q *store.Queries, licenseID, productID int64, now time.Time) error {
	feats, err := q.ProductFeatures(ctx, productID)
	if err != nil {
		return err
	}
	for _, f := range feats {
		if err := q.AddLicenseFeature(ctx, licenseID, f, nil, now); err != nil {
			return err
		}
	}
	return nil
}
