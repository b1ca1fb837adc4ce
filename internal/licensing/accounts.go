package licensing

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/licensor/licensor/internal/store"
)

// CustomerAccountSpec describes a customer account (license-api.md §5.18).
type CustomerAccountSpec struct {
	Code, Name             string
	SSOIssuer, SSOClientID string // both, or neither
}

var accountCodeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// CreateCustomerAccount creates a customer account for `licensor
// customer-account create`.
func (s *Service) CreateCustomerAccount(ctx context.Context, companyID int64, spec CustomerAccountSpec) (*store.CustomerAccount, error) {
	spec.Name = strings.TrimSpace(spec.Name)
	switch {
	case !accountCodeRE.MatchString(spec.Code):
		return nil, fmt.Errorf("invalid code %q: 1-64 letters, digits, '_', '.', '-', starting with a letter or digit", spec.Code)
	case spec.Name == "" || len(spec.Name) > 255:
		return nil, errors.New("a name of 1-255 characters is required")
	case (spec.SSOIssuer == "") != (spec.SSOClientID == ""):
		return nil, errors.New("sso_issuer and sso_client_id go together: give both or neither")
	case len(spec.SSOClientID) > 255:
		return nil, errors.New("sso_client_id is longer than 255 characters")
	}
	if spec.SSOIssuer != "" {
		if err := checkIssuer(spec.SSOIssuer); err != nil {
			return nil, err
		}
	}
	a := store.CustomerAccount{CompanyID: companyID, Code: spec.Code, Name: spec.Name, SSOIssuer: spec.SSOIssuer,
		SSOClientID: spec.SSOClientID, CreatedAt: s.now()}
	id, err := s.store.Writer().CreateCustomerAccount(ctx, a)
	if errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("a customer account with code %q already exists", spec.Code)
	}
	if err != nil {
		return nil, err
	}
	a.ID = id
	return &a, nil
}

// checkIssuer accepts an issuer URL licensor may fetch discovery from:
// https, or http on a loopback address (a provider on the same machine).
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("sso_issuer %q is not an issuer URL (https://host[/path])", issuer)
	}
	if u.Scheme == "https" {
		return nil
	}
	if ip := net.ParseIP(u.Hostname()); u.Scheme == "http" && (u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("sso_issuer %q must be https (http only on loopback)", issuer)
}
