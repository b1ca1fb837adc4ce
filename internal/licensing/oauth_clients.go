package licensing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/store"
)

// OAuthClientSpec describes a new OAuth client: the whole company, or
// scoped to one license or to one customer's licenses.
type OAuthClientSpec struct {
	LicenseID     int64
	CustomerEmail string
	Label         string
}

// NewOAuthClient is a created client with its secret, shown once.
type NewOAuthClient struct {
	ID           int64
	ClientID     string
	ClientSecret string
}

func newClientSecret() string { return randomString(alnum, 48) }

// CreateOAuthClient creates an OAuth client of a company.
func (s *Service) CreateOAuthClient(ctx context.Context, companyID int64, spec OAuthClientSpec) (NewOAuthClient, error) {
	if spec.LicenseID != 0 && spec.CustomerEmail != "" {
		return NewOAuthClient{}, errors.New("a client is scoped to a license or to a customer, not both")
	}
	c := store.OAuthClient{CompanyID: companyID, ClientID: "lic-" + newAPIKey(), Label: spec.Label, CreatedAt: s.now()}
	r := s.store.Reader()
	if spec.LicenseID != 0 {
		if _, err := r.License(ctx, companyID, spec.LicenseID); err != nil {
			return NewOAuthClient{}, fmt.Errorf("license %d: %w", spec.LicenseID, err)
		}
		c.LicenseID = &spec.LicenseID
	}
	if spec.CustomerEmail != "" {
		cus, err := r.CustomerByEmail(ctx, companyID, spec.CustomerEmail)
		if err != nil {
			return NewOAuthClient{}, fmt.Errorf("customer %q: %w", spec.CustomerEmail, err)
		}
		c.CustomerID = &cus.ID
	}
	secret := newClientSecret()
	c.SecretHash, c.SecretSealed = secretHash(secret), s.box.Seal([]byte(secret), clientSecretAAD(c.ClientID))
	var id int64
	err := s.store.WithTx(ctx, func(q *store.Queries) (err error) {
		id, err = q.CreateOAuthClient(ctx, c)
		return err
	})
	if err != nil {
		return NewOAuthClient{}, err
	}
	return NewOAuthClient{ID: id, ClientID: c.ClientID, ClientSecret: secret}, nil
}

// RotateOAuthSecret gives a client a new secret; the current one keeps
// working for grace, so that deployed applications can be updated.
func (s *Service) RotateOAuthSecret(ctx context.Context, companyID int64, clientID string, grace time.Duration) (string, error) {
	if grace < 0 {
		return "", errors.New("the grace period cannot be negative")
	}
	secret := newClientSecret()
	err := s.store.WithTx(ctx, func(q *store.Queries) error {
		return q.RotateOAuthSecret(ctx, companyID, clientID, secretHash(secret), s.box.Seal([]byte(secret), clientSecretAAD(clientID)), s.now().Add(grace))
	})
	return secret, err
}

// clientSecretAAD binds a sealed client secret to its client.
func clientSecretAAD(clientID string) string { return "oauth_client:" + clientID }

// offlineSecrets returns the secrets an offline file of client clientID
// may be signed with (the current one, and the previous one during its
// grace), with the client as a credential.
func (s *Service) offlineSecrets(ctx context.Context, clientID string) ([][]byte, *auth.Credential, error) {
	c, err := s.store.Reader().LiveOAuthClient(ctx, clientID)
	if err != nil {
		return nil, nil, err
	}
	var sealed []string
	if c.SecretSealed != "" {
		sealed = append(sealed, c.SecretSealed)
	}
	if c.PreviousSecretSealed != "" && c.PreviousValidUntil != nil && s.now().Before(*c.PreviousValidUntil) {
		sealed = append(sealed, c.PreviousSecretSealed)
	}
	var keys [][]byte
	for _, sealed := range sealed {
		k, err := s.box.Open(sealed, clientSecretAAD(c.ClientID))
		if err != nil {
			return nil, nil, fmt.Errorf("unseal the secret of OAuth client %d: %w", c.ID, err)
		}
		keys = append(keys, k)
	}
	cred := &auth.Credential{CompanyID: c.CompanyID, OAuthClientID: c.ID, APIKey: c.ClientID}
	if c.LicenseID != nil {
		cred.ScopeLicenseID = *c.LicenseID
	}
	if c.CustomerID != nil {
		cred.ScopeCustomerID = *c.CustomerID
	}
	return keys, cred, nil
}

// RevokeOAuthClient revokes a client: its tokens stop working at once.
func (s *Service) RevokeOAuthClient(ctx context.Context, companyID int64, clientID string) error {
	return s.store.WithTx(ctx, func(q *store.Queries) error {
		return q.RevokeOAuthClient(ctx, companyID, clientID, s.now())
	})
}

// OAuthClients lists a company's clients.
func (s *Service) OAuthClients(ctx context.Context, companyID int64) ([]store.OAuthClient, error) {
	return s.store.Reader().OAuthClients(ctx, companyID)
}

// ScopeName describes a client's scope for listings.
func ScopeName(c *store.OAuthClient) string {
	switch {
	case c.LicenseID != nil:
		return "license " + strconv.FormatInt(*c.LicenseID, 10)
	case c.CustomerID != nil:
		return "customer " + strconv.FormatInt(*c.CustomerID, 10)
	}
	return "company"
}
