package licensing

import (
	"context"
	"errors"
	"time"

	"github.com/licensor/licensor/internal/store"
)

// LicenseView is everything the License object of license-api.md §4 shows
// about one license, as of Now. Package wire renders it.
type LicenseView struct {
	License      store.License
	Key          *string // the license key, or the bundle license's key; nil for user-based
	Product      store.Product
	Customer     *store.Customer
	Features     []store.LicenseFeature
	CustomFields []store.CustomField
	User         *store.LicenseUser     // user-based: the user the request named
	Link         *store.LicenseUserLink // that user's membership of the license
	Device       *store.Device          // the request's device, when it has one on the license
	Variables    []store.DeviceVariable
	// Floating cloud licenses: the seats in use, and the device's seat
	// when it holds one.
	SeatsInUse *int64
	Seat       *store.Seat
	CompanyID  int64
	Now        time.Time
}

// Expired reports whether the server considers the license expired.
func (v *LicenseView) Expired() bool { return expired(&v.License, v.Now) }

// Cacheable reports whether the answer may be served again without asking
// the rules: not for floating cloud licenses, whose every check renews a
// seat.
func (v *LicenseView) Cacheable() bool { return !v.License.IsFloatingCloud }

// Active reports whether the license is active on at least one device.
func (v *LicenseView) Active() bool { return v.License.TimesActivated > 0 }

// view loads what a LicenseView shows beyond the license itself.
func (s *Service) view(ctx context.Context, f *found, device *store.Device, withVariables bool, now time.Time) (*LicenseView, error) {
	r := s.store.Reader()
	v := &LicenseView{License: currentLicense(*f.license, now), Key: f.key(), Product: *f.product, User: f.user, Device: device,
		CompanyID: f.license.CompanyID, Now: now}
	var err error
	if f.license.CustomerID != nil {
		if v.Customer, err = r.Customer(ctx, f.license.CompanyID, *f.license.CustomerID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if v.Features, err = r.LicenseFeatures(ctx, f.license.ID); err != nil {
		return nil, err
	}
	for i := range v.Features {
		v.Features[i].Consumption = current(f.license, v.Features[i].Consumption, now)
	}
	if v.CustomFields, err = r.LicenseCustomFields(ctx, f.license.ID, f.license.ProductID); err != nil {
		return nil, err
	}
	if f.user != nil {
		if v.Link, err = r.LicenseUserLink(ctx, f.license.ID, f.user.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if device != nil && withVariables {
		if v.Variables, err = r.DeviceVariables(ctx, device.ID); err != nil {
			return nil, err
		}
	}
	if err := s.seatView(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// ShowLicense returns a license as the API shows it without a device, for
// `licensor license show`.
func (s *Service) ShowLicense(ctx context.Context, companyID, id int64) (*LicenseView, error) {
	r := s.store.Reader()
	lic, err := r.License(ctx, companyID, id)
	if err != nil {
		return nil, err
	}
	prod, err := r.Product(ctx, companyID, lic.ProductID)
	if err != nil {
		return nil, err
	}
	f := &found{license: lic, product: prod}
	if lic.BundleLicenseID != nil {
		parent, err := r.License(ctx, companyID, *lic.BundleLicenseID)
		if err != nil {
			return nil, err
		}
		f.bundleKey = parent.LicenseKey
	}
	return s.view(ctx, f, nil, false, s.now())
}

// ChangesAt returns the next moment after Now at which the view would
// change by the passing of time alone (a start date, an expiry, a feature's
// expiry, the end of a consumption period), or the zero time if none is
// coming.
func (v *LicenseView) ChangesAt() time.Time {
	var next time.Time
	consider := func(t *time.Time) {
		if t != nil && t.After(v.Now) && (next.IsZero() || t.Before(next)) {
			next = *t
		}
	}
	consider(v.License.StartDate)
	if v.License.ValidityPeriod != nil {
		end := *v.License.ValidityPeriod
		if v.License.AllowGracePeriod && v.License.GracePeriod > 0 {
			end = end.Add(time.Duration(v.License.GracePeriod) * time.Hour)
		}
		consider(&end)
	}
	l := &v.License
	if _, end := periodBounds(l, l.ResetConsumption, l.ConsumptionPeriod, v.Now); !end.IsZero() {
		consider(&end)
	}
	for i := range v.Features {
		consider(v.Features[i].ExpiryDate)
		c := &v.Features[i].Consumption
		if _, end := periodBounds(l, c.ResetConsumption, c.ConsumptionPeriod, v.Now); !end.IsZero() {
			consider(&end)
		}
	}
	return next
}
