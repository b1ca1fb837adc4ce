package licensing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Caller is who sends a License API request: the authorized API credential
// and the client's address.
type Caller struct {
	CompanyID    int64
	CredentialID int64
	// Products the credential is limited to; empty means every product.
	AllowedProducts []int64
	ClientIP        string
	// An OAuth client (instead of an API credential), and its scope: one
	// license, or one customer's licenses (0: none).
	OAuthClientID                   int64
	ScopeLicenseID, ScopeCustomerID int64
}

// scoped reports whether the caller is an OAuth client limited to one
// license or one customer.
func (c Caller) scoped() bool { return c.ScopeLicenseID != 0 || c.ScopeCustomerID != 0 }

// inScope reports whether a scoped caller may see license l (a bundle's
// per-product license counts as its bundle license).
func (s *Service) inScope(ctx context.Context, c Caller, l *store.License) bool {
	if !c.scoped() {
		return true
	}
	if l.BundleLicenseID != nil {
		if parent, err := s.store.Reader().License(ctx, c.CompanyID, *l.BundleLicenseID); err == nil {
			l = parent
		}
	}
	if c.ScopeLicenseID != 0 {
		return l.ID == c.ScopeLicenseID
	}
	return l.CustomerID != nil && *l.CustomerID == c.ScopeCustomerID
}

// Identity is how a request names a license (license-api.md §1): a product,
// a device, and a license key or a license user, optionally narrowed by
// license_id and bundle_code.
type Identity struct {
	Product    string
	HardwareID string
	LicenseKey string
	Username   string
	Password   string // only on calls that authenticate the user
	LicenseID  int64
	BundleCode string
	// ssoAccountID is set by ResolveSSO: Username was signed in by that
	// customer account's provider and may use only its licenses.
	ssoAccountID int64
}

// found is a license a request named, with what was needed to find it.
type found struct {
	license *store.License
	product *store.Product
	user    *store.LicenseUser // user-based licenses
	// bundleKey is the key of the bundle license a per-product license
	// belongs to; such licenses have no key of their own.
	bundleKey *string
}

// key returns the license key clients know the license by.
func (f *found) key() *string {
	if f.license.LicenseKey != nil {
		return f.license.LicenseKey
	}
	return f.bundleKey
}

func missing(names ...string) error {
	return problem.New(problem.CodeMissingParameters, "some parameters are missing in the request: "+strings.Join(names, ", "))
}

// requireIdentity checks that the parameters naming a license are present.
// more are further (name, value) pairs to require.
func requireIdentity(id Identity, withPassword bool, more ...string) error {
	if m := append(identityMissing(id, withPassword), emptyNames(more...)...); len(m) > 0 {
		return missing(m...)
	}
	return nil
}

// emptyNames lists the names, of (name, value) pairs, whose value is "".
func emptyNames(pairs ...string) []string {
	var m []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			m = append(m, pairs[i])
		}
	}
	return m
}

// identityMissing lists the identity parameters that are absent.
func identityMissing(id Identity, withPassword bool) []string {
	var m []string
	if id.Product == "" {
		m = append(m, "product")
	}
	if id.HardwareID == "" {
		m = append(m, "hardware_id")
	}
	switch {
	case id.LicenseKey == "" && id.Username == "":
		m = append(m, "license_key or username")
	case id.LicenseKey == "" && withPassword && id.Password == "" && id.ssoAccountID == 0:
		m = append(m, "password")
	}
	return m
}

// product resolves a product short code for the caller.
func (s *Service) product(ctx context.Context, c Caller, code string) (*store.Product, error) {
	p, err := s.store.Reader().ProductByCode(ctx, c.CompanyID, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem.Newf(problem.CodeUnknownProduct, "unknown product %q", code)
	}
	if err != nil {
		return nil, err
	}
	if len(c.AllowedProducts) > 0 && !slices.Contains(c.AllowedProducts, p.ID) {
		return nil, problem.Newf(problem.CodeAPIKeyProductNotAllowed, "this API key may not be used for product %q", code)
	}
	if p.IsArchived {
		return nil, problem.Newf(problem.CodeArchivedProduct, "product %q is archived", code)
	}
	if p.IsDisabled {
		return nil, problem.Newf(problem.CodeDisabledProduct, "product %q is disabled", code)
	}
	return p, nil
}

func errLicenseNotFound() error {
	return problem.New(problem.CodeLicenseNotFound, "license not found")
}

// findLicense resolves an identity to one license. authenticate checks the
// user's password (activation); calls without a password only need the
// username to name an active user.
func (s *Service) findLicense(ctx context.Context, c Caller, id Identity, authenticate bool) (*found, error) {
	if err := requireIdentity(id, authenticate); err != nil {
		return nil, err
	}
	prod, err := s.product(ctx, c, id.Product)
	if err != nil {
		return nil, err
	}
	var bundle *store.Product
	if id.BundleCode != "" {
		if bundle, err = s.product(ctx, c, id.BundleCode); err != nil {
			return nil, err
		}
		if !bundle.IsBundle {
			return nil, problem.Newf(problem.CodeValidationError, "product %q is not a bundle", id.BundleCode)
		}
	}
	f := &found{product: prod}
	r := s.store.Reader()
	if prod.AuthorizationMethod == store.AuthLicenseKey {
		if id.LicenseKey == "" {
			return nil, missing("license_key")
		}
		lic, err := r.LicenseByKey(ctx, c.CompanyID, id.LicenseKey)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errLicenseNotFound()
		}
		if err != nil {
			return nil, err
		}
		if lic.ProductID != prod.ID {
			// A bundle license's key names each license of the bundle.
			parent := lic
			if lic, err = r.BundleChild(ctx, parent.ID, prod.ID); errors.Is(err, store.ErrNotFound) {
				return nil, errLicenseNotFound()
			} else if err != nil {
				return nil, err
			}
			if bundle != nil && parent.ProductID != bundle.ID {
				return nil, errLicenseNotFound()
			}
			f.bundleKey = parent.LicenseKey
		}
		if id.LicenseID != 0 && id.LicenseID != lic.ID || !s.inScope(ctx, c, lic) {
			return nil, errLicenseNotFound()
		}
		f.license = lic
		return f, nil
	}

	if id.Username == "" {
		return nil, missing("username")
	}
	var user *store.LicenseUser
	switch {
	case id.ssoAccountID != 0:
		// Signed in by the account's provider (ResolveSSO): the user
		// must be one the vendor made, and active.
		user, err = r.LicenseUserByEmail(ctx, c.CompanyID, usernameEmail(id.Username))
		if errors.Is(err, store.ErrNotFound) || err == nil && !user.IsActive {
			return nil, problem.New(problem.CodeUserNotFound, "no active license user has the e-mail address the identity provider signed in")
		}
	case authenticate:
		if id.Password == "" {
			return nil, missing("password")
		}
		user, err = s.authenticateUser(ctx, c.CompanyID, id.Username, id.Password, c.ClientIP)
	default:
		user, err = r.LicenseUserByEmail(ctx, c.CompanyID, usernameEmail(id.Username))
		if errors.Is(err, store.ErrNotFound) || err == nil && !user.IsActive {
			return nil, errLicenseNotFound()
		}
	}
	if err != nil {
		return nil, err
	}
	var lics []store.License
	if id.ssoAccountID != 0 {
		lics, err = r.AccountUserLicenses(ctx, user.ID, prod.ID, id.ssoAccountID)
	} else {
		lics, err = r.UserLicenses(ctx, user.ID, prod.ID)
	}
	if err != nil {
		return nil, err
	}
	for i := range lics {
		l := &lics[i]
		if id.LicenseID != 0 && l.ID != id.LicenseID {
			continue
		}
		if bundle != nil && (l.BundleLicenseID == nil || !s.isLicenseOfProduct(ctx, c.CompanyID, *l.BundleLicenseID, bundle.ID)) {
			continue
		}
		if !s.inScope(ctx, c, l) {
			continue
		}
		// Newest first: without license_id, the most recently created
		// license of the user answers (license-api.md §1).
		f.license, f.user = l, user
		return f, nil
	}
	return nil, errLicenseNotFound()
}

// isLicenseOfProduct reports whether license id is of product productID.
func (s *Service) isLicenseOfProduct(ctx context.Context, companyID, id, productID int64) bool {
	l, err := s.store.Reader().License(ctx, companyID, id)
	return err == nil && l.ProductID == productID
}

// expired reports whether a license is past its validity, counting the grace
// period of subscriptions that allow one.
func expired(l *store.License, now time.Time) bool {
	if l.ValidityPeriod == nil {
		return false
	}
	end := *l.ValidityPeriod
	if l.AllowGracePeriod && l.GracePeriod > 0 {
		end = end.Add(time.Duration(l.GracePeriod) * time.Hour)
	}
	return !now.Before(end)
}

func errExpired(l *store.License) error {
	if l.IsTrial {
		return problem.New(problem.CodeTrialExpired, "the trial period has expired")
	}
	return problem.New(problem.CodeLicenseExpired, "the license has expired")
}

// usable checks what every license call requires, in order: the device is
// not blacklisted, the license is enabled, has started and has not expired.
func (s *Service) usable(ctx context.Context, c Caller, f *found, hardwareID string, now time.Time) error {
	black, err := s.store.Reader().IsBlacklisted(ctx, c.CompanyID, hardwareID)
	if err != nil {
		return err
	}
	if black {
		return problem.New(problem.CodeBlacklisted, "this device is blacklisted")
	}
	if !f.license.Enabled {
		return problem.New(problem.CodeLicenseNotEnabled, "the license is not enabled")
	}
	if f.license.StartDate != nil && now.Before(*f.license.StartDate) {
		return problem.Newf(problem.CodeLicenseNotActive, "the license is valid from %s", f.license.StartDate.Format(time.RFC3339))
	}
	if expired(f.license, now) {
		return errExpired(f.license)
	}
	return nil
}

// parseDuration reads a license duration such as "30d", "12h", "2w", "6m"
// (months) or "1y".
func parseDuration(from time.Time, d string) (time.Time, error) {
	if len(d) < 2 {
		return time.Time{}, fmt.Errorf("invalid duration %q", d)
	}
	var n int
	if _, err := fmt.Sscanf(d[:len(d)-1], "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != d[:len(d)-1] {
		return time.Time{}, fmt.Errorf("invalid duration %q: use a number and h, d, w, m or y", d)
	}
	switch d[len(d)-1] {
	case 'h':
		return from.Add(time.Duration(n) * time.Hour), nil
	case 'd':
		return from.AddDate(0, 0, n), nil
	case 'w':
		return from.AddDate(0, 0, 7*n), nil
	case 'm':
		return from.AddDate(0, n, 0), nil
	case 'y':
		return from.AddDate(n, 0, 0), nil
	}
	return time.Time{}, fmt.Errorf("invalid duration %q: use a number and h, d, w, m or y", d)
}
