package licensing

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
		// The claim, not a count of companies, decides: of two inits racing
		// on one database exactly one creates the company.
		first, err := q.ClaimInstallation(ctx, now)
		if err != nil {
			return err
		}
		if !first {
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

// CreateCredential issues a further API key + shared key for a company,
// limited to some products when products (short codes) are given.
func (s *Service) CreateCredential(ctx context.Context, companyID int64, label string, products ...string) (NewCredential, error) {
	if _, err := s.store.Reader().Company(ctx, companyID); err != nil {
		return NewCredential{}, err
	}
	var ids []int64
	for _, code := range products {
		p, err := s.productByCode(ctx, companyID, code)
		if err != nil {
			return NewCredential{}, err
		}
		ids = append(ids, p.ID)
	}
	var c NewCredential
	err := s.store.WithTx(ctx, func(q *store.Queries) error {
		var err error
		if c, err = s.createCredential(ctx, q, companyID, label, s.now()); err != nil {
			return err
		}
		for _, id := range ids {
			if err := q.LimitCredentialToProduct(ctx, c.ID, id); err != nil {
				return err
			}
		}
		return nil
	})
	return c, err
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
	return s.store.WithTx(ctx, func(q *store.Queries) error { return q.RevokeCredential(ctx, companyID, apiKey, s.now()) })
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

// CompanySettings lists the settings `licensor company set` accepts, all
// booleans:
//   - allow_change_password: license users may change their password
//     through the License API (off by default, as upstream);
//   - allow_multiple_trials: a device may get more than one trial of a
//     product;
//   - expose_initial_passwords: customer_license_users shows license users'
//     initial passwords in clear text (off by default: anyone holding the
//     application's API key could read them).
var CompanySettings = []string{"allow_change_password", "allow_multiple_trials", "expose_initial_passwords"}

// ValidateCompanySetting checks a key=value setting without applying it.
func (s *Service) ValidateCompanySetting(key, value string) error {
	if !slices.Contains(CompanySettings, key) {
		return fmt.Errorf("unknown setting %q (known: %s)", key, strings.Join(CompanySettings, ", "))
	}
	if _, err := parseBool(value); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// SetCompanySetting changes one company setting from its text form.
func (s *Service) SetCompanySetting(ctx context.Context, companyID int64, key, value string) error {
	if err := s.ValidateCompanySetting(key, value); err != nil {
		return err
	}
	b, _ := parseBool(value)
	return s.store.WithTx(ctx, func(q *store.Queries) error { return q.SetCompanyFlag(ctx, companyID, key, b, s.now()) })
}

// Company returns a company.
func (s *Service) Company(ctx context.Context, id int64) (*store.Company, error) {
	return s.store.Reader().Company(ctx, id)
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
