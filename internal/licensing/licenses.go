package licensing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/licensor/licensor/internal/store"
)

// The vendor-facing operations on licenses: create, change, features, custom
// field values.

// LicenseSpec describes a license to create.
type LicenseSpec struct {
	Product        string // product short code
	Key            string // empty: generate one (key-based products)
	Type           string // default perpetual
	MaxActivations *int64 // nil: the product's default
	Validity       *time.Time
	Disabled       bool
	Customer       string   // customer email; created when unknown
	Features       []string // feature codes; nil: every feature of the product
	Settings       []string // further key=value settings (SettingNames("license"))
}

// CreateLicense creates a license of a product: key-based products get a
// key (given or random), user-based licenses get users instead. A license of
// a bundle product gets one license per product of the bundle.
func (s *Service) CreateLicense(ctx context.Context, companyID int64, spec LicenseSpec) (*store.License, error) {
	prod, err := s.productByCode(ctx, companyID, spec.Product)
	if err != nil {
		return nil, err
	}
	if spec.Type == "" {
		spec.Type = store.LicensePerpetual
	}
	if !slices.Contains(licenseTypes, spec.Type) {
		return nil, fmt.Errorf("invalid license type %q: use perpetual, time-limited, subscription or consumption", spec.Type)
	}
	maxActivations := prod.MaxActivations
	if spec.MaxActivations != nil {
		if maxActivations = *spec.MaxActivations; maxActivations < 0 {
			return nil, errors.New("max activations cannot be negative")
		}
	}
	cols, err := parseSettings(licenseSettings, "license", spec.Settings)
	if err != nil {
		return nil, err
	}
	if spec.Type == store.LicenseTimeLimited && spec.Validity == nil && !hasColumn(cols, "validity_period", "valid_duration") {
		return nil, errors.New("a time-limited license needs a validity date (or valid_duration=…)")
	}
	if spec.Customer != "" && !emailRE.MatchString(spec.Customer) {
		return nil, fmt.Errorf("invalid customer email %q", spec.Customer)
	}
	r := s.store.Reader()
	features, err := r.ProductFeatures(ctx, prod.ID)
	if err != nil {
		return nil, err
	}
	if spec.Features != nil {
		if features, err = pickFeatures(features, spec.Features); err != nil {
			return nil, err
		}
	}
	var children []store.Product
	if prod.IsBundle {
		if children, err = r.BundleProducts(ctx, prod.ID); err != nil {
			return nil, err
		}
	}
	now := s.now()
	l := store.License{CompanyID: companyID, ProductID: prod.ID, LicenseType: spec.Type, Enabled: !spec.Disabled,
		ValidityPeriod: spec.Validity, MaxActivations: maxActivations, PreventVM: prod.PreventVM,
		FloatingTimeout: prod.FloatingTimeout, AllowOverages: prod.AllowOverages, MaxOverages: prod.MaxOverages,
		AllowOfflineActivation: true, CreatedAt: now, UpdatedAt: now}
	switch prod.AuthorizationMethod {
	case store.AuthLicenseKey:
		key := spec.Key
		if key == "" {
			key = newLicenseKey()
		} else if !licenseKeyRE.MatchString(key) {
			return nil, fmt.Errorf("invalid license key %q: use 4–128 letters, digits, '-' or '_'", key)
		}
		l.LicenseKey = &key
	case store.AuthUser:
		if spec.Key != "" {
			return nil, fmt.Errorf("product %q is user-based: its licenses have no key", prod.ShortCode)
		}
	}
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		if spec.Customer != "" {
			c, err := s.customerFor(ctx, q, companyID, spec.Customer, CustomerSpec{}, now)
			if err != nil {
				return err
			}
			l.CustomerID = &c.ID
		}
		id, err := s.insertLicense(ctx, q, l, features, cols, now)
		if err != nil {
			return err
		}
		l.ID = id
		// The licenses of a bundle's products: no key of their own, the
		// same terms as the bundle license.
		for _, child := range children {
			cl := l
			cl.ProductID, cl.LicenseKey, cl.BundleLicenseID = child.ID, nil, &l.ID
			cf, err := q.ProductFeatures(ctx, child.ID)
			if err != nil {
				return err
			}
			if _, err := s.insertLicense(ctx, q, cl, cf, cols, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.Reader().License(ctx, companyID, l.ID)
}

func (s *Service) insertLicense(ctx context.Context, q *store.Queries, l store.License, features []store.ProductFeature, cols []store.Column, now time.Time) (int64, error) {
	id, err := InsertLicense(ctx, q, l, features, cols, now)
	if errors.Is(err, store.ErrConflict) {
		return 0, fmt.Errorf("license key %q is already in use", *l.LicenseKey)
	}
	return id, err
}

// InsertLicense stores l in q with the given features of its product, then
// sets cols: for vendor operations that issue licenses in a transaction of
// their own. A key in use is store.ErrConflict.
func InsertLicense(ctx context.Context, q *store.Queries, l store.License, features []store.ProductFeature, cols []store.Column, now time.Time) (int64, error) {
	id, err := q.CreateLicense(ctx, l)
	if err != nil {
		return 0, err
	}
	for _, f := range features {
		if err := q.AddLicenseFeature(ctx, id, f, nil, now); err != nil {
			return 0, err
		}
	}
	return id, q.UpdateColumns(ctx, "licenses", l.CompanyID, id, cols, now)
}

// LicenseDraft is the license product p issues by default, not yet stored.
func LicenseDraft(companyID int64, p *store.Product, now time.Time) store.License {
	return store.License{CompanyID: companyID, ProductID: p.ID, LicenseType: store.LicensePerpetual, Enabled: true,
		MaxActivations: p.MaxActivations, PreventVM: p.PreventVM, FloatingTimeout: p.FloatingTimeout, AllowOverages: p.AllowOverages,
		MaxOverages: p.MaxOverages, AllowOfflineActivation: true, CreatedAt: now, UpdatedAt: now}
}

// NewLicenseKey returns a random XXXX-XXXX-XXXX-XXXX key.
func NewLicenseKey() string { return newLicenseKey() }

// ValidLicenseKey reports whether key may be a license key.
func ValidLicenseKey(key string) bool { return licenseKeyRE.MatchString(key) }

// FeatureColumns reads license feature settings (key=value, as `licensor
// license feature set` takes them).
func FeatureColumns(pairs []string) ([]store.Column, error) {
	return parseSettings(featureSettings, "feature", pairs)
}

func pickFeatures(all []store.ProductFeature, codes []string) ([]store.ProductFeature, error) {
	var out []store.ProductFeature
	for _, code := range codes {
		found := false
		for _, f := range all {
			if f.Code == code {
				out, found = append(out, f), true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("the product has no feature %q", code)
		}
	}
	return out, nil
}

func hasColumn(cols []store.Column, names ...string) bool {
	for _, c := range cols {
		if slices.Contains(names, c.Name) {
			return true
		}
	}
	return false
}

// license returns a company's license for a CLI command.
func (s *Service) license(ctx context.Context, companyID, id int64) (*store.License, error) {
	l, err := s.store.Reader().License(ctx, companyID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no license with id %d", id)
	}
	return l, err
}

// withBundle returns the license's id and, for a bundle license, the ids of
// its per-product licenses: what a change to it applies to.
func (s *Service) withBundle(ctx context.Context, l *store.License) ([]int64, error) {
	ids := []int64{l.ID}
	children, err := s.store.Reader().BundleChildren(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range children {
		ids = append(ids, c.ID)
	}
	return ids, nil
}

// SetLicense changes a license's settings (and those of its bundle's
// licenses).
func (s *Service) SetLicense(ctx context.Context, companyID, id int64, settings []string) (*store.License, error) {
	l, err := s.license(ctx, companyID, id)
	if err != nil {
		return nil, err
	}
	cols, err := parseSettings(licenseSettings, "license", settings)
	if err != nil {
		return nil, err
	}
	ids, err := s.withBundle(ctx, l)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		for _, id := range ids {
			if err := q.UpdateColumns(ctx, "licenses", companyID, id, cols, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.Reader().License(ctx, companyID, id)
}

// SetLicenseEnabled enables or disables a license.
func (s *Service) SetLicenseEnabled(ctx context.Context, companyID, id int64, enabled bool) error {
	_, err := s.SetLicense(ctx, companyID, id, []string{fmt.Sprintf("enabled=%t", enabled)})
	return err
}

// AddLicenseFeature gives a license a feature of its product.
func (s *Service) AddLicenseFeature(ctx context.Context, companyID, id int64, code string) error {
	l, err := s.license(ctx, companyID, id)
	if err != nil {
		return err
	}
	feats, err := s.store.Reader().ProductFeatures(ctx, l.ProductID)
	if err != nil {
		return err
	}
	picked, err := pickFeatures(feats, []string{code})
	if err != nil {
		return err
	}
	now := s.now()
	return s.store.WithTx(ctx, func(q *store.Queries) error {
		err := q.AddLicenseFeature(ctx, l.ID, picked[0], nil, now)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("license %d already has feature %q", id, code)
		}
		if err != nil {
			return err
		}
		return q.TouchLicense(ctx, l.ID, now)
	})
}

// SetLicenseFeature changes a license's limits of one feature.
func (s *Service) SetLicenseFeature(ctx context.Context, companyID, id int64, code string, settings []string) error {
	l, err := s.license(ctx, companyID, id)
	if err != nil {
		return err
	}
	cols, err := parseSettings(featureSettings, "feature", settings)
	if err != nil {
		return err
	}
	f, err := s.store.Reader().LicenseFeature(ctx, l.ID, code)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("license %d has no feature %q", id, code)
	}
	if err != nil {
		return err
	}
	now := s.now()
	return s.store.WithTx(ctx, func(q *store.Queries) error {
		if err := q.UpdateLicenseFeature(ctx, f.ID, cols); err != nil {
			return err
		}
		return q.TouchLicense(ctx, l.ID, now)
	})
}

// SetLicenseCustomField sets a license's value of a custom field of its
// product.
func (s *Service) SetLicenseCustomField(ctx context.Context, companyID, id int64, name, value string) error {
	l, err := s.license(ctx, companyID, id)
	if err != nil {
		return err
	}
	fields, err := s.store.Reader().ProductCustomFields(ctx, l.ProductID)
	if err != nil {
		return err
	}
	for _, f := range fields {
		if f.Name == name {
			now := s.now()
			return s.store.WithTx(ctx, func(q *store.Queries) error {
				if err := q.SetLicenseCustomField(ctx, l.ID, f.ID, value); err != nil {
					return err
				}
				return q.TouchLicense(ctx, l.ID, now)
			})
		}
	}
	return fmt.Errorf("the product of license %d has no custom field %q", id, name)
}
