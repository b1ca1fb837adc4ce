package licensing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/password"
	"github.com/licensor/licensor/internal/store"
)

// CustomerSpec describes a customer; Email identifies it.
type CustomerSpec struct {
	Email, FirstName, LastName, CompanyName, Phone, Reference string
	Address, City, Postcode, State, Country                   string
	Metadata                                                  string // a JSON object, or ""
	// AccountCode puts the customer in that customer account (CLI only).
	AccountCode string
}

func (c CustomerSpec) customer(companyID int64, now time.Time) store.Customer {
	return store.Customer{CompanyID: companyID, Email: strings.TrimSpace(c.Email), FirstName: c.FirstName, LastName: c.LastName,
		CompanyName: c.CompanyName, Phone: c.Phone, Reference: c.Reference, Address: c.Address, City: c.City,
		Postcode: c.Postcode, State: c.State, Country: c.Country, Metadata: c.Metadata, CreatedAt: now}
}

// customerFor returns the company's customer with email, creating it from
// spec when there is none, in transaction q.
func (s *Service) customerFor(ctx context.Context, q *store.Queries, companyID int64, email string, spec CustomerSpec, now time.Time) (*store.Customer, error) {
	c, err := q.CustomerByEmail(ctx, companyID, email)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return c, err
	}
	spec.Email = email
	nc := spec.customer(companyID, now)
	id, created, err := q.CreateCustomerIfAbsent(ctx, nc)
	if err != nil {
		return nil, err
	}
	if !created {
		// A concurrent request created it first.
		return q.CustomerByEmail(ctx, companyID, email)
	}
	nc.ID = id
	return &nc, nil
}

// CreateCustomer creates a customer for `licensor customer create`.
func (s *Service) CreateCustomer(ctx context.Context, companyID int64, spec CustomerSpec) (*store.Customer, error) {
	if !emailRE.MatchString(strings.TrimSpace(spec.Email)) {
		return nil, fmt.Errorf("invalid email %q", spec.Email)
	}
	if spec.Metadata != "" {
		m, err := CanonicalMetadata(spec.Metadata)
		if err != nil {
			return nil, err
		}
		spec.Metadata = m
	}
	c := spec.customer(companyID, s.now())
	var id int64
	err := s.store.WithTx(ctx, func(q *store.Queries) (err error) {
		if id, err = q.CreateCustomer(ctx, c); err != nil || spec.AccountCode == "" {
			return err
		}
		a, err := q.CustomerAccountByCode(ctx, companyID, spec.AccountCode)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no customer account with code %q", spec.AccountCode)
		}
		if err != nil {
			return err
		}
		return q.SetCustomerAccount(ctx, companyID, id, a.ID, c.CreatedAt)
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("a customer with email %q already exists", spec.Email)
	}
	if err != nil {
		return nil, err
	}
	c.ID = id
	return &c, nil
}

// hash hashes a password in the bounded pool.
func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	var h string
	err := s.hasher.Do(ctx, func(slot password.Slot) error {
		var err error
		h, err = slot.Hash(pw)
		return err
	})
	if errors.Is(err, password.ErrBusy) {
		return "", errServerBusy(s.hasher.RetryAfter())
	}
	return h, err
}
