package licensing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/ratelimit"
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
	if c.scoped() {
		return nil, problem.New(problem.CodeTrialNotAllowed, "an OAuth client scoped to a license or a customer cannot start trials")
	}
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

	// A user-based trial for an e-mail with no license user yet creates one
	// with a generated password. Hash it before the transaction, because
	// hashing is slow and must not hold the write lock; if a concurrent
	// request creates the user first, the hash goes unused. A caller past
	// its trial allowance is refused before it can make the server hash.
	var initial, initialHash string
	if prod.AuthorizationMethod == store.AuthUser {
		if err := s.trialAllowanceLeft(ctx, c, prod); err != nil {
			return nil, err
		}
		_, err := s.store.Reader().LicenseUserByEmail(ctx, c.CompanyID, in.Email)
		if errors.Is(err, store.ErrNotFound) {
			initial = newInitialPassword()
			if initialHash, err = s.hash(ctx, initial); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, err
		}
	}

	// The device's trial is claimed by a unique index; a request that loses
	// that race to a concurrent one starts again and finds the winner's
	// trial (or the next number, where several trials are allowed).
	for range 3 {
		t := &Trial{Product: *prod}
		err = s.store.WithTx(ctx, func(q *store.Queries) error {
			return s.trialTx(ctx, q, c, company, prod, in, initial, initialHash, t)
		})
		if errors.Is(err, errTrialRace) {
			continue
		}
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
		}
		return t, nil
	}
	return nil, fmt.Errorf("trial for device on product %d: lost the race three times", prod.ID)
}

// errTrialRace rolls back a trial that a concurrent request recorded first.
var errTrialRace = errors.New("trial: recorded concurrently")

// trialTx answers the device's existing trial or issues a new one, in
// transaction q.
func (s *Service) trialTx(ctx context.Context, q *store.Queries, c Caller, company *store.Company, prod *store.Product,
	in TrialInput, initial, initialHash string, t *Trial) error {
	now := s.now()
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
	if err := s.claimTrialIssue(ctx, q, c, prod, now); err != nil {
		return err
	}
	return s.issueTrial(ctx, q, c, company, prod, in, initial, initialHash, t, now)
}

// claimTrialIssue counts a new trial against the client IP's allowance for
// the product, in the issuing transaction.
func (s *Service) claimTrialIssue(ctx context.Context, q *store.Queries, c Caller, prod *store.Product, now time.Time) error {
	lim := s.cfg.Trials
	ok, _, until, err := q.ReserveAttempt(ctx, store.ThrottleTrial, trialBucket(c, prod), lim.PerIP, lim.Window, now)
	if err != nil {
		return err
	}
	if !ok {
		return s.errTooManyTrials(until, now)
	}
	return nil
}

// trialAllowanceLeft refuses a caller whose allowance is used up, without
// claiming anything.
func (s *Service) trialAllowanceLeft(ctx context.Context, c Caller, prod *store.Product) error {
	lim, now := s.cfg.Trials, s.now()
	full, until, err := s.store.Reader().WindowFull(ctx, store.ThrottleTrial, trialBucket(c, prod), lim.PerIP, lim.Window, now)
	if err != nil || !full {
		return err
	}
	return s.errTooManyTrials(until, now)
}

// trialBucket names a client's trials of a product; IPv6 clients per /64.
func trialBucket(c Caller, prod *store.Product) string {
	return fmt.Sprintf("%s:%d", ratelimit.IPKey(c.ClientIP), prod.ID)
}

func (s *Service) errTooManyTrials(until, now time.Time) error {
	lim := s.cfg.Trials
	return &problem.Error{
		Code:       problem.CodeTooManyRequests,
		Message:    fmt.Sprintf("too many trials of this product from this address, retry later (at most %d per %s)", lim.PerIP, lim.Window),
		RetryAfter: max(until.Sub(now), time.Second),
	}
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

func (s *Service) issueTrial(ctx context.Context, q *store.Queries, c Caller, company *store.Company, prod *store.Product,
	in TrialInput, initial, initialHash string, t *Trial, now time.Time) error {
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
		user, created, err := s.trialUser(ctx, q, c, in, initial, initialHash, now)
		if err != nil {
			return err
		}
		if err := q.AttachLicenseUser(ctx, lic.ID, user.ID, 0, true, now); err != nil {
			return err
		}
		if _, err := q.ClaimLicenseUserSlot(ctx, lic.ID, now); err != nil {
			return err
		}
		t.User = user
		// An initial password leaves the server only in the answer that
		// created its user: anyone holding the application's API key can
		// ask for a trial with someone else's e-mail.
		if created {
			t.InitialPassword = initial
		}
	}
	recorded, err := q.RecordTrial(ctx, c.CompanyID, prod.ID, in.HardwareID, lic.ID, company.AllowMultipleTrials, now)
	if err != nil {
		return err
	}
	if !recorded {
		return errTrialRace
	}
	t.License = lic
	return s.audit(ctx, q, c, "license.trial_issued", lic.ID, map[string]any{"hardware_id": in.HardwareID}, now)
}

// trialUser returns the license user a user-based trial is for, creating it
// with the initial password hashed before the transaction when there is
// none; created reports whether this call created it.
func (s *Service) trialUser(ctx context.Context, q *store.Queries, c Caller, in TrialInput, initial, initialHash string, now time.Time) (*store.LicenseUser, bool, error) {
	if initialHash != "" {
		sealed := s.box.Seal([]byte(initial), initialPasswordAAD(c.CompanyID, in.Email))
		u := store.LicenseUser{CompanyID: c.CompanyID, Email: in.Email, FirstName: in.Customer.FirstName,
			LastName: in.Customer.LastName, PhoneNumber: in.Customer.Phone, PasswordHash: initialHash, IsActive: true,
			IsInitialPassword: true, InitialPasswordSealed: &sealed, CreatedAt: now}
		id, created, err := q.CreateLicenseUserIfAbsent(ctx, u)
		if err != nil {
			return nil, false, fmt.Errorf("create trial user: %w", err)
		}
		if created {
			u.ID = id
			return &u, true, nil
		}
	}
	u, err := q.LicenseUserByEmail(ctx, c.CompanyID, in.Email)
	if errors.Is(err, store.ErrNotFound) {
		// Looked up as existing before the transaction, yet gone: license
		// users are never deleted, so this is a fault, not a race.
		return nil, false, fmt.Errorf("trial user %q vanished", in.Email)
	}
	return u, false, err
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
