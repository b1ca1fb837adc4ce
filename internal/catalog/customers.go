package catalog

import (
	"context"
	"errors"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Customer is a customer with how many licenses it has.
type Customer struct {
	store.Customer
	Licenses int64
}

// Customer returns customer id of the company, or not_found.
func (c *Catalog) Customer(ctx context.Context, companyID, id int64) (*Customer, error) {
	r := c.store.Reader()
	cu, err := r.Customer(ctx, companyID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("customer")
	}
	if err != nil {
		return nil, err
	}
	n, err := r.CustomerLicenseCount(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Customer{Customer: *cu, Licenses: n}, nil
}

// Customers lists a page of the company's customers that match f.
func (c *Catalog) Customers(ctx context.Context, companyID int64, f store.Filter, p store.Page) (int64, []*Customer, error) {
	total, ids, err := c.store.Reader().CustomerIDs(ctx, companyID, f, p)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*Customer, 0, len(ids))
	for _, id := range ids {
		cu, err := c.Customer(ctx, companyID, id)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, cu)
	}
	return total, out, nil
}

func customerExists(email string) error {
	return problem.Newf(problem.CodeCustomerExists, "email: a customer with %q exists", email)
}

// CreateCustomer creates a customer; an e-mail in use (case-insensitive)
// is customer_exists.
func (c *Catalog) CreateCustomer(ctx context.Context, a Actor, cu store.Customer) (int64, error) {
	cu.CompanyID, cu.CreatedAt = a.CompanyID, c.now()
	var id int64
	err := c.store.WithTx(ctx, func(q *store.Queries) error {
		if _, err := q.CustomerByEmail(ctx, a.CompanyID, cu.Email); err == nil {
			return customerExists(cu.Email)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		var err error
		if id, err = q.CreateCustomer(ctx, cu); errors.Is(err, store.ErrConflict) {
			return customerExists(cu.Email)
		} else if err != nil {
			return err
		}
		return c.audit(ctx, q, a, "customer.created", "customer", id, map[string]any{"email": cu.Email})
	})
	return id, err
}

// UpdateCustomer sets columns of a customer; fields names them for the
// audit log.
func (c *Catalog) UpdateCustomer(ctx context.Context, a Actor, id int64, cols []store.Column, fields []string) error {
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		for _, col := range cols {
			if col.Name != "email" {
				continue
			}
			if other, err := q.CustomerByEmail(ctx, a.CompanyID, col.Value.(string)); err == nil && other.ID != id {
				return customerExists(col.Value.(string))
			} else if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if err := q.UpdateColumns(ctx, "customers", a.CompanyID, id, cols, c.now()); err != nil {
			return err
		}
		return c.audit(ctx, q, a, "customer.updated", "customer", id, map[string]any{"fields": fields})
	})
}

// DeleteCustomer deletes a customer that no license references
// (customer_has_licenses otherwise).
func (c *Catalog) DeleteCustomer(ctx context.Context, a Actor, id int64) error {
	cu, err := c.Customer(ctx, a.CompanyID, id)
	if err != nil {
		return err
	}
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		err := q.DeleteCustomer(ctx, a.CompanyID, id)
		if errors.Is(err, store.ErrConflict) {
			return problem.New(problem.CodeCustomerHasLicenses, "licenses or OAuth clients still reference the customer")
		}
		if err != nil {
			return err
		}
		return c.audit(ctx, q, a, "customer.deleted", "customer", id, map[string]any{"email": cu.Email})
	})
}
