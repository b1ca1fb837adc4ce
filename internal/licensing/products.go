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

// The vendor-facing operations on products (features, custom fields,
// versions); licenses.go and users.go hold those on licenses and users.
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
	store.FeatureFloating     // floating cloud seats of the feature's own
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
	if f.IsFloatingCloud && f.FloatingUsers < 1 {
		return nil, errors.New("a floating cloud feature needs at least one floating user")
	}
	if f.FloatingTimeout == 0 {
		f.FloatingTimeout = prod.FloatingTimeout
	}
	pf := store.ProductFeature{ProductID: prod.ID, Code: f.Code, Name: f.Name, FeatureType: f.Type, Metadata: meta,
		Consumption: store.Consumption{MaxConsumption: f.MaxConsumption}, FeatureFloating: f.FeatureFloating, CreatedAt: s.now()}
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
