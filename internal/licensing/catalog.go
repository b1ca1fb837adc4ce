package licensing

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/store"
)

// The vendor-facing operations on products, licenses and license users.
// They validate everything before writing and return plain errors with
// messages fit for a terminal; each runs in one transaction, so a refused
// command changes nothing.

var (
	shortCodeRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	licenseKeyRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{3,127}$`)
	emailRE      = regexp.MustCompile(`^[^\s@|]+@[^\s@|]+$`)
)

func (s *Service) productByCode(ctx context.Context, companyID int64, code string) (*store.Product, error) {
	p, err := s.store.Reader().ProductByCode(ctx, companyID, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no product with code %q", code)
	}
	return p, err
}

// ProductSpec describes a product to create.
type ProductSpec struct {
	Code, Name, AuthorizationMethod string
	// Bundle makes a bundle product holding the products Includes names.
	Bundle   bool
	Includes []string
	// Settings are further key=value settings (SettingNames("product")).
	Settings []string
}

// CreateProduct creates a product.
func (s *Service) CreateProduct(ctx context.Context, companyID int64, p ProductSpec) (*store.Product, error) {
	if !shortCodeRE.MatchString(p.Code) {
		return nil, fmt.Errorf("invalid product code %q: use 1–64 letters, digits, '_', '-' or '.'", p.Code)
	}
	if strings.TrimSpace(p.Name) == "" {
		return nil, errors.New("a product name is required")
	}
	if p.AuthorizationMethod != store.AuthLicenseKey && p.AuthorizationMethod != store.AuthUser {
		return nil, fmt.Errorf("invalid authorization method %q: use %q or %q", p.AuthorizationMethod, store.AuthLicenseKey, store.AuthUser)
	}
	cols, err := parseSettings(productSettings, "product", p.Settings)
	if err != nil {
		return nil, err
	}
	if p.Bundle != (len(p.Includes) > 0) {
		return nil, errors.New("a bundle needs the products it includes, and only a bundle includes products")
	}
	var included []*store.Product
	for _, code := range p.Includes {
		inc, err := s.productByCode(ctx, companyID, code)
		if err != nil {
			return nil, err
		}
		if inc.IsBundle {
			return nil, fmt.Errorf("product %q is itself a bundle", code)
		}
		if inc.AuthorizationMethod != p.AuthorizationMethod {
			return nil, fmt.Errorf("product %q is %s-based but the bundle is %s-based", code, inc.AuthorizationMethod, p.AuthorizationMethod)
		}
		included = append(included, inc)
	}
	now := s.now()
	prod := store.Product{CompanyID: companyID, ShortCode: p.Code, Name: p.Name, AuthorizationMethod: p.AuthorizationMethod,
		IsBundle: p.Bundle, MaxActivations: 1, TrialMaxActivations: 1, FloatingTimeout: 120, CreatedAt: now}
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		id, err := q.CreateProduct(ctx, prod)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a product with code %q already exists", p.Code)
		}
		if err != nil {
			return err
		}
		prod.ID = id
		for _, inc := range included {
			if err := q.AddBundleProduct(ctx, id, inc.ID); err != nil {
				return err
			}
		}
		return q.UpdateColumns(ctx, "products", companyID, id, cols, now)
	})
	if err != nil {
		return nil, err
	}
	return s.store.Reader().Product(ctx, companyID, prod.ID)
}

// SetProduct changes a product's settings.
func (s *Service) SetProduct(ctx context.Context, companyID int64, code string, settings []string) (*store.Product, error) {
	prod, err := s.productByCode(ctx, companyID, code)
	if err != nil {
		return nil, err
	}
	cols, err := parseSettings(productSettings, "product", settings)
	if err != nil {
		return nil, err
	}
	if err := s.store.WithTx(ctx, func(q *store.Queries) error {
		return q.UpdateColumns(ctx, "products", companyID, prod.ID, cols, s.now())
	}); err != nil {
		return nil, err
	}
	return s.store.Reader().Product(ctx, companyID, prod.ID)
}

// FeatureSpec describes a product feature to create.
type FeatureSpec struct {
	Product, Code, Name, Type string
	MaxConsumption            int64
	Metadata                  string
}

// CreateFeature defines a feature on a product. Licenses created later get
// it; existing licenses get it with `licensor license feature add`.
func (s *Service) CreateFeature(ctx context.Context, companyID int64, f FeatureSpec) (*store.ProductFeature, error) {
	prod, err := s.productByCode(ctx, companyID, f.Product)
	if err != nil {
		return nil, err
	}
	if !shortCodeRE.MatchString(f.Code) {
		return nil, fmt.Errorf("invalid feature code %q", f.Code)
	}
	if f.Name == "" {
		f.Name = f.Code
	}
	if f.Type == "" {
		f.Type = store.FeatureActivation
	}
	if f.Type != store.FeatureActivation && f.Type != store.FeatureConsumption {
		return nil, fmt.Errorf("invalid feature type %q: use activation or consumption", f.Type)
	}
	if f.MaxConsumption < 0 {
		return nil, errors.New("max consumption cannot be negative")
	}
	meta := "{}"
	if f.Metadata != "" {
		if meta, err = CanonicalMetadata(f.Metadata); err != nil {
			return nil, err
		}
	}
	pf := store.ProductFeature{ProductID: prod.ID, Code: f.Code, Name: f.Name, FeatureType: f.Type, Metadata: meta,
		Consumption: store.Consumption{MaxConsumption: f.MaxConsumption}, CreatedAt: s.now()}
	err = s.store.WithTx(ctx, func(q *store.Queries) (err error) { pf.ID, err = q.CreateProductFeature(ctx, pf); return err })
	if errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("product %q already has a feature %q", f.Product, f.Code)
	}
	return &pf, err
}

// CreateCustomField defines a custom field on a product.
func (s *Service) CreateCustomField(ctx context.Context, companyID int64, product, name, dataType, defaultValue string) (int64, error) {
	prod, err := s.productByCode(ctx, companyID, product)
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(name) == "" {
		return 0, errors.New("a custom field needs a name")
	}
	var dt *string
	switch dataType {
	case "":
	case "number", "text", "date/time":
		dt = &dataType
	default:
		return 0, fmt.Errorf("invalid data type %q: use number, text or date/time", dataType)
	}
	var id int64
	err = s.store.WithTx(ctx, func(q *store.Queries) (err error) {
		id, err = q.CreateProductCustomField(ctx, prod.ID, name, dt, defaultValue, s.now())
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return 0, fmt.Errorf("product %q already has a custom field %q", product, name)
	}
	return id, err
}

// VersionSpec describes a product version to publish.
type VersionSpec struct {
	Product, Version, Environment, Channel, FullLink, Filename, HashMD5 string
	EulaLink, ReleaseNotesLink, Size, RequiresVersion                   string
	ReleaseDate                                                         *time.Time
}

// AddVersion publishes a product version (product_details' latest_version).
func (s *Service) AddVersion(ctx context.Context, companyID int64, v VersionSpec) (int64, error) {
	prod, err := s.productByCode(ctx, companyID, v.Product)
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(v.Version) == "" {
		return 0, errors.New("a version is required")
	}
	now := s.now()
	var id int64
	err = s.store.WithTx(ctx, func(q *store.Queries) (err error) {
		id, err = q.CreateProductVersion(ctx, store.ProductVersion{ProductID: prod.ID, Version: v.Version,
			Environment: v.Environment, Channel: v.Channel, ReleaseDate: v.ReleaseDate, FullLink: v.FullLink, Filename: v.Filename,
			HashMD5: v.HashMD5, EulaLink: v.EulaLink, ReleaseNotesLink: v.ReleaseNotesLink, Size: v.Size,
			RequiresVersion: v.RequiresVersion, Enabled: true, CreatedAt: now})
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return 0, fmt.Errorf("version %q already exists for that environment and channel", v.Version)
	}
	return id, err
}

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
	if !containsString(licenseTypes, spec.Type) {
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
	id, err := q.CreateLicense(ctx, l)
	if errors.Is(err, store.ErrConflict) {
		return 0, fmt.Errorf("license key %q is already in use", *l.LicenseKey)
	}
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
		if containsString(names, c.Name) {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
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
// the license's max_license_users.
func (s *Service) attach(ctx context.Context, q *store.Queries, lic *store.License, userID, maxActivations int64, now time.Time) error {
	if lic.MaxLicenseUsers > 0 {
		n, err := q.CountLicenseUsers(ctx, lic.ID)
		if err != nil {
			return err
		}
		if n >= lic.MaxLicenseUsers {
			return fmt.Errorf("license %d already has its maximum of %d users", lic.ID, lic.MaxLicenseUsers)
		}
	}
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
		if err := q.TouchLicense(ctx, id, now); err != nil {
			return err
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
