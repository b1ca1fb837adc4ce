package licensing

import (
	"context"
	"errors"
	"slices"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// ProductDetails is what product_details shows (license-api.md §5.10).
type ProductDetails struct {
	Product       store.Product
	LatestVersion *store.ProductVersion // nil: none, or not asked for
	CustomFields  []store.CustomField   // nil when not asked for
}

// ProductDetails describes a product.
func (s *Service) ProductDetails(ctx context.Context, c Caller, code string, latestVersion, customFields bool, env string) (*ProductDetails, error) {
	if code == "" {
		return nil, missing("product")
	}
	prod, err := s.product(ctx, c, code)
	if err != nil {
		return nil, err
	}
	d := &ProductDetails{Product: *prod}
	r := s.store.Reader()
	if latestVersion {
		if d.LatestVersion, err = s.latestVersion(ctx, prod.ID, env, ""); err != nil {
			return nil, err
		}
	}
	if customFields {
		if d.CustomFields, err = r.ProductCustomFields(ctx, prod.ID); err != nil {
			return nil, err
		}
		if d.CustomFields == nil {
			d.CustomFields = []store.CustomField{}
		}
	}
	return d, nil
}

// CheckFeature returns a feature of a license the device is active on
// (license-api.md §5.6). A floating cloud feature's seat is taken or renewed
// for the device; inUse is then the feature's seats in use.
func (s *Service) CheckFeature(ctx context.Context, c Caller, id Identity, code string) (feat *store.LicenseFeature, inUse *int64, err error) {
	if err := requireIdentity(id, false, "feature", code); err != nil {
		return nil, nil, err
	}
	f, err := s.findLicense(ctx, c, id, false)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	if _, err := s.checkOne(ctx, c, f, CheckInput{Identity: id}, now); err != nil {
		return nil, nil, err
	}
	if feat, err = s.licenseFeature(ctx, f.license, code, now); err != nil {
		return nil, nil, err
	}
	if feat.IsFloatingCloud {
		if inUse, err = s.takeFeatureSeat(ctx, feat, id.HardwareID, now); err != nil {
			return nil, nil, err
		}
	}
	return feat, inUse, nil
}

// UserLicenses lists the licenses of an authenticated license user,
// optionally of one product (license-api.md §5.16).
func (s *Service) UserLicenses(ctx context.Context, c Caller, productCode, username, pw string) ([]*LicenseView, error) {
	var m []string
	if username == "" {
		m = append(m, "username")
	}
	if pw == "" {
		m = append(m, "password")
	}
	if len(m) > 0 {
		return nil, missing(m...)
	}
	var productID int64
	if productCode != "" {
		prod, err := s.product(ctx, c, productCode)
		if err != nil {
			return nil, err
		}
		productID = prod.ID
	}
	user, err := s.authenticateUser(ctx, c.CompanyID, username, pw, c.ClientIP)
	if err != nil {
		return nil, err
	}
	lics, err := s.store.Reader().UserLicenses(ctx, user.ID, productID)
	if err != nil {
		return nil, err
	}
	return s.views(ctx, c, lics, func(*store.License) (*store.LicenseUser, error) { return user, nil }, nil)
}

// DeviceLicenses lists the licenses a device is active on (license-api.md
// §5.17).
func (s *Service) DeviceLicenses(ctx context.Context, c Caller, hardwareID string) ([]*LicenseView, error) {
	if hardwareID == "" {
		return nil, missing("hardware_id")
	}
	r := s.store.Reader()
	devices, err := r.ActiveDevicesByHardware(ctx, c.CompanyID, hardwareID)
	if err != nil {
		return nil, err
	}
	lics := make([]store.License, 0, len(devices))
	byLicense := map[int64]*store.Device{}
	for i := range devices {
		l, err := r.License(ctx, c.CompanyID, devices[i].LicenseID)
		if err != nil {
			return nil, err
		}
		lics = append(lics, *l)
		byLicense[l.ID] = &devices[i]
	}
	userOf := func(l *store.License) (*store.LicenseUser, error) {
		if d := byLicense[l.ID]; d.LicenseUserID != nil {
			return r.LicenseUser(ctx, c.CompanyID, *d.LicenseUserID)
		}
		return nil, nil
	}
	return s.views(ctx, c, lics, userOf, byLicense)
}

// views builds the views of several licenses, skipping those of products
// the caller may not use.
func (s *Service) views(ctx context.Context, c Caller, lics []store.License, userOf func(*store.License) (*store.LicenseUser, error), devices map[int64]*store.Device) ([]*LicenseView, error) {
	r := s.store.Reader()
	now := s.now()
	out := []*LicenseView{}
	for i := range lics {
		l := &lics[i]
		prod, err := r.Product(ctx, c.CompanyID, l.ProductID)
		if err != nil {
			return nil, err
		}
		if len(c.AllowedProducts) > 0 && !slices.Contains(c.AllowedProducts, prod.ID) || !s.inScope(ctx, c, l) {
			continue
		}
		user, err := userOf(l)
		if err != nil {
			return nil, err
		}
		f := &found{license: l, product: prod, user: user}
		if l.BundleLicenseID != nil {
			parent, err := r.License(ctx, c.CompanyID, *l.BundleLicenseID)
			if err != nil {
				return nil, err
			}
			f.bundleKey = parent.LicenseKey
		}
		v, err := s.view(ctx, f, devices[l.ID], false, now)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// CustomerLicenseUser is one user of one of a customer's licenses, as
// customer_license_users shows it.
type CustomerLicenseUser struct {
	store.CustomerLicenseUser
	// InitialPassword is the clear text while the user has not changed it,
	// and only when the company exposes initial passwords; else "".
	InitialPassword string
}

// CustomerLicenseUsers lists the license users of a customer's licenses of a
// product (license-api.md §5.15).
func (s *Service) CustomerLicenseUsers(ctx context.Context, c Caller, productCode, customerEmail string) (*store.Customer, []CustomerLicenseUser, error) {
	var m []string
	if productCode == "" {
		m = append(m, "product")
	}
	if customerEmail == "" {
		m = append(m, "customer")
	}
	if len(m) > 0 {
		return nil, nil, missing(m...)
	}
	prod, err := s.product(ctx, c, productCode)
	if err != nil {
		return nil, nil, err
	}
	r := s.store.Reader()
	cust, err := r.CustomerByEmail(ctx, c.CompanyID, customerEmail)
	if err == nil && c.ScopeCustomerID != 0 && cust.ID != c.ScopeCustomerID {
		err = store.ErrNotFound // another customer's: as if there were none
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, problem.Newf(problem.CodeCustomerDoesNotExist, "no customer with email %q", customerEmail)
	}
	if err != nil {
		return nil, nil, err
	}
	rows, err := r.CustomerLicenseUsers(ctx, cust.ID, prod.ID)
	if err != nil {
		return nil, nil, err
	}
	company, err := r.Company(ctx, c.CompanyID)
	if err != nil {
		return nil, nil, err
	}
	out := make([]CustomerLicenseUser, 0, len(rows))
	for _, row := range rows {
		if c.ScopeLicenseID != 0 && row.License.ID != c.ScopeLicenseID {
			continue
		}
		var pw string
		// Upstream always shows them; licensor only when the vendor chose
		// to, because the API key that asks ships inside the application.
		if company.ExposeInitialPasswords {
			if pw, err = s.InitialPassword(&row.User); err != nil {
				return nil, nil, err
			}
		}
		out = append(out, CustomerLicenseUser{CustomerLicenseUser: row, InitialPassword: pw})
	}
	return cust, out, nil
}
