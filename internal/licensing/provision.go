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

// The vendor-facing operations behind the provisioning CLI. They validate
// their input and return plain errors with messages fit for a terminal.

// ErrAlreadyInitialized is returned by Init on a database that already has a
// company.
var ErrAlreadyInitialized = errors.New("already initialized: this database already has a company (nothing was changed)")

// ErrNotInitialized is returned when no company exists yet.
var ErrNotInitialized = errors.New("not initialized: run `licensor init` first")

// NewCredential is an API key and its shared key, shown once.
type NewCredential struct {
	ID        int64
	APIKey    string
	SharedKey string
}

// Init creates the first company and its first API credential. It refuses a
// database that already has a company, so running it twice changes nothing.
func (s *Service) Init(ctx context.Context, companyName string) (companyID int64, cred NewCredential, err error) {
	now := s.now()
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		existing, err := q.Companies(ctx)
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			return ErrAlreadyInitialized
		}
		if companyID, err = q.CreateCompany(ctx, companyName, now); err != nil {
			return err
		}
		cred, err = s.createCredential(ctx, q, companyID, "default", now)
		return err
	})
	return companyID, cred, err
}

// CreateCredential issues a further API key + shared key for a company.
func (s *Service) CreateCredential(ctx context.Context, companyID int64, label string) (NewCredential, error) {
	if _, err := s.store.Reader().Company(ctx, companyID); err != nil {
		return NewCredential{}, err
	}
	return s.createCredential(ctx, s.store.Writer(), companyID, label, s.now())
}

func (s *Service) createCredential(ctx context.Context, q *store.Queries, companyID int64, label string, now time.Time) (NewCredential, error) {
	c := NewCredential{APIKey: newAPIKey(), SharedKey: newSharedKey()}
	id, err := q.CreateCredential(ctx, store.Credential{
		CompanyID:       companyID,
		APIKey:          c.APIKey,
		SharedKeySealed: s.box.Seal([]byte(c.SharedKey), credentialAAD(c.APIKey)),
		Label:           label,
		CreatedAt:       now,
	})
	c.ID = id
	return c, err
}

// RevokeCredential revokes an API key; requests signed with it fail with
// invalid_api_key from then on.
func (s *Service) RevokeCredential(ctx context.Context, companyID int64, apiKey string) error {
	return s.store.Writer().RevokeCredential(ctx, companyID, apiKey, s.now())
}

// DefaultCompany returns the id of the only company, the one CLI commands act
// on unless told otherwise.
func (s *Service) DefaultCompany(ctx context.Context) (int64, error) {
	cs, err := s.store.Reader().Companies(ctx)
	if err != nil {
		return 0, err
	}
	switch len(cs) {
	case 0:
		return 0, ErrNotInitialized
	case 1:
		return cs[0].ID, nil
	}
	return 0, fmt.Errorf("there are %d companies: name one with --company", len(cs))
}

// CompanySettings lists the settings `licensor company set` accepts.
var CompanySettings = []string{"allow_change_password"}

// ValidateCompanySetting checks a key=value setting without applying it.
func (s *Service) ValidateCompanySetting(key, value string) error {
	switch key {
	case "allow_change_password":
		if _, err := parseBool(value); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	}
	return fmt.Errorf("unknown setting %q (known: %s)", key, strings.Join(CompanySettings, ", "))
}

// SetCompanySetting changes one company setting from its text form.
func (s *Service) SetCompanySetting(ctx context.Context, companyID int64, key, value string) error {
	if err := s.ValidateCompanySetting(key, value); err != nil {
		return err
	}
	switch key {
	case "allow_change_password":
		b, _ := parseBool(value)
		return s.store.Writer().SetCompanyAllowChangePassword(ctx, companyID, b, s.now())
	}
	return nil
}

// Company returns a company.
func (s *Service) Company(ctx context.Context, id int64) (*store.Company, error) {
	return s.store.Reader().Company(ctx, id)
}

var shortCodeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ProductSpec describes a product to create.
type ProductSpec struct {
	Code, Name, AuthorizationMethod string
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
	prod := store.Product{CompanyID: companyID, ShortCode: p.Code, Name: p.Name, AuthorizationMethod: p.AuthorizationMethod, CreatedAt: s.now()}
	id, err := s.store.Writer().CreateProduct(ctx, prod)
	if errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("a product with code %q already exists", p.Code)
	}
	if err != nil {
		return nil, err
	}
	prod.ID = id
	return &prod, nil
}

// LicenseSpec describes a license to create.
type LicenseSpec struct {
	Product        string // product short code
	Key            string // empty: generate one (key-based products)
	Type           string // default perpetual
	MaxActivations int64
	Validity       *time.Time
	Disabled       bool
}

var licenseKeyRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{3,127}$`)

// CreateLicense creates a license of a product. Key-based products get a key
// (given or random); user-based licenses have none and get users instead.
func (s *Service) CreateLicense(ctx context.Context, companyID int64, spec LicenseSpec) (*store.License, error) {
	prod, err := s.store.Reader().ProductByCode(ctx, companyID, spec.Product)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no product with code %q", spec.Product)
	}
	if err != nil {
		return nil, err
	}
	if spec.Type == "" {
		spec.Type = store.LicensePerpetual
	}
	switch spec.Type {
	case store.LicensePerpetual, store.LicenseTimeLimited, store.LicenseSubscription, store.LicenseConsumption:
	default:
		return nil, fmt.Errorf("invalid license type %q: use perpetual, time-limited, subscription or consumption", spec.Type)
	}
	if spec.MaxActivations < 0 {
		return nil, errors.New("max activations cannot be negative")
	}
	if spec.Type == store.LicenseTimeLimited && spec.Validity == nil {
		return nil, errors.New("a time-limited license needs a validity date")
	}
	now := s.now()
	l := store.License{
		CompanyID:      companyID,
		ProductID:      prod.ID,
		LicenseType:    spec.Type,
		Enabled:        !spec.Disabled,
		ValidityPeriod: spec.Validity,
		MaxActivations: spec.MaxActivations,
		CreatedAt:      now,
		UpdatedAt:      now,
	}
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
	id, err := s.store.Writer().CreateLicense(ctx, l)
	if errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("license key %q is already in use", spec.Key)
	}
	if err != nil {
		return nil, err
	}
	l.ID = id
	return &l, nil
}

// SetLicenseEnabled enables or disables a license.
func (s *Service) SetLicenseEnabled(ctx context.Context, companyID, id int64, enabled bool) error {
	err := s.store.Writer().SetLicenseEnabled(ctx, companyID, id, enabled, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no license with id %d", id)
	}
	return err
}

// UserSpec describes a license user to create on a license.
type UserSpec struct {
	LicenseID int64
	Email     string
	Password  string // empty: generate an initial password
}

// NewLicenseUser is a created license user; InitialPassword is empty when
// the vendor chose the password.
type NewLicenseUser struct {
	ID              int64
	Email           string
	InitialPassword string
}

var emailRE = regexp.MustCompile(`^[^\s@|]+@[^\s@|]+$`)

// CreateLicenseUser creates a license user on a user-based license. Without
// a password it generates an initial one, kept sealed until the user changes
// it.
func (s *Service) CreateLicenseUser(ctx context.Context, companyID int64, spec UserSpec) (*NewLicenseUser, error) {
	email := strings.TrimSpace(spec.Email)
	if !emailRE.MatchString(email) || len(email) > 254 {
		return nil, fmt.Errorf("invalid email %q", spec.Email)
	}
	lic, err := s.store.Reader().License(ctx, companyID, spec.LicenseID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no license with id %d", spec.LicenseID)
	}
	if err != nil {
		return nil, err
	}
	if lic.LicenseKey != nil {
		return nil, fmt.Errorf("license %d belongs to a key-based product: license users need a user-based one", lic.ID)
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
	u := store.LicenseUser{CompanyID: companyID, Email: email, PasswordHash: hash, IsActive: true, IsInitialPassword: initial, CreatedAt: now}
	if initial {
		sealed := s.box.Seal([]byte(pw), initialPasswordAAD(companyID, email))
		u.InitialPasswordSealed = &sealed
	}
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		id, err := q.CreateLicenseUser(ctx, u)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a license user with email %q already exists", email)
		}
		if err != nil {
			return err
		}
		u.ID = id
		return q.AttachLicenseUser(ctx, lic.ID, id, 0, true, now)
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
	err := s.store.Writer().SetLicenseUserActive(ctx, companyID, id, active, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no license user with id %d", id)
	}
	return err
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (use true or false)", v)
}
