package catalog

import (
	"context"
	"errors"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// OrderInput is a create_order request once read (management-api.md §5.1).
type OrderInput struct {
	Order    store.Order     // StoreID, the order's own fields, RequestHash
	Append   bool            // add to an existing order with this store id
	Customer *store.Customer // nil: no customer
	Items    []OrderItem
}

// OrderItem is the licenses of one product.
type OrderItem struct {
	ProductCode string
	Path        string // items[i], for messages
	Licenses    []OrderLicense
}

// OrderLicense is one license to issue.
type OrderLicense struct {
	Path         string // items[i].licenses[j]
	Key          string // "": generated (key-based products)
	Settings     []string
	Features     []FeatureOverride
	CustomFields map[string]string
	Users        []OrderUser
}

// FeatureOverride changes the limits a license gets for one feature.
type FeatureOverride struct {
	Code     string
	Settings []string
}

// OrderUser is a license user of a user-based license.
type OrderUser struct {
	Email, FirstName, LastName, Phone, Password string
	MaxActivations                              *int64
	hash, initial                               string
	sealed                                      *string
}

// issued is a license with what it needs, resolved before the transaction.
type issued struct {
	spec     *OrderLicense
	product  *store.Product
	features []store.ProductFeature
	fields   map[string]int64 // custom field name → id
	cols     []store.Column
	overs    map[string][]store.Column
}

// CreateOrder issues an order's licenses, customer and users in one
// transaction. An identical replay (same store id and request hash) writes
// nothing and reports replayed; the same store id with another request is
// order_id_exists unless Append.
func (c *Catalog) CreateOrder(ctx context.Context, a Actor, in OrderInput) (id int64, replayed bool, err error) {
	plan, err := c.planOrder(ctx, a, in)
	if err != nil {
		return 0, false, err
	}
	now := c.now()
	in.Order.CompanyID, in.Order.CreatedAt = a.CompanyID, now
	err = c.store.WithTx(ctx, func(q *store.Queries) error {
		var created bool
		if id, created, err = q.ClaimOrder(ctx, in.Order); err != nil {
			return err
		}
		var customerID *int64
		if !created {
			prev, err := q.OrderByStoreID(ctx, a.CompanyID, in.Order.StoreID)
			if err != nil {
				return err
			}
			switch {
			case prev.RequestHash == in.Order.RequestHash:
				id, replayed = prev.ID, true
				return nil
			case !in.Append:
				return problem.Newf(problem.CodeOrderIDExists, "id: order %q exists with another request (append: true adds licenses)", in.Order.StoreID)
			}
			id, customerID = prev.ID, prev.CustomerID
			if err := c.sameCustomer(ctx, q, a, prev, in.Customer); err != nil {
				return err
			}
			if err := q.TouchOrder(ctx, id, now); err != nil {
				return err
			}
		} else if in.Customer != nil {
			cu, err := c.orderCustomer(ctx, q, a, *in.Customer)
			if err != nil {
				return err
			}
			customerID = &cu
			if err := q.SetOrderCustomer(ctx, id, cu); err != nil {
				return err
			}
		}
		for _, l := range plan {
			if err := c.issue(ctx, q, a, id, in.Order, customerID, l); err != nil {
				return err
			}
		}
		action := map[bool]string{true: "order.created", false: "order.updated"}[created]
		return c.audit(ctx, q, a, action, "order", id, map[string]any{"store_id": in.Order.StoreID, "license_count": len(plan)})
	})
	return id, replayed, err
}

// sameCustomer refuses an append whose customer is not the order's.
func (c *Catalog) sameCustomer(ctx context.Context, q *store.Queries, a Actor, prev *store.Order, cu *store.Customer) error {
	if cu == nil {
		return nil
	}
	if prev.CustomerID != nil {
		have, err := q.Customer(ctx, a.CompanyID, *prev.CustomerID)
		if err != nil {
			return err
		}
		if store.NormalizeEmail(have.Email) == store.NormalizeEmail(cu.Email) {
			return nil
		}
	}
	return problem.New(problem.CodeValidationError, "customer: an append keeps the order's customer (send it, or none)")
}

// orderCustomer returns the customer with the e-mail, unchanged, or creates
// it from the order.
func (c *Catalog) orderCustomer(ctx context.Context, q *store.Queries, a Actor, cu store.Customer) (int64, error) {
	cu.CompanyID, cu.CreatedAt = a.CompanyID, c.now()
	if have, err := q.CustomerByEmail(ctx, a.CompanyID, cu.Email); err == nil {
		return have.ID, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	id, created, err := q.CreateCustomerIfAbsent(ctx, cu)
	if err != nil {
		return 0, err
	}
	if !created {
		have, err := q.CustomerByEmail(ctx, a.CompanyID, cu.Email)
		if err != nil {
			return 0, err
		}
		return have.ID, nil
	}
	return id, c.audit(ctx, q, a, "customer.created", "customer", id, map[string]any{"email": cu.Email})
}

func notSupported(msg string) error { return problem.New(problem.CodeNotSupported, msg) }

// Order is an order with its licenses' ids, in issue order.
type Order struct {
	store.Order
	LicenseIDs []int64
	Customer   *store.Customer
}

// Order returns order id of the company, or not_found.
func (c *Catalog) Order(ctx context.Context, companyID, id int64) (*Order, error) {
	r := c.store.Reader()
	o, err := r.Order(ctx, companyID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("order")
	}
	if err != nil {
		return nil, err
	}
	out := &Order{Order: *o, LicenseIDs: []int64{}}
	ids, err := r.OrderLicenseIDs(ctx, id)
	if err != nil {
		return nil, err
	}
	out.LicenseIDs = append(out.LicenseIDs, ids...)
	if o.CustomerID != nil {
		if out.Customer, err = r.Customer(ctx, companyID, *o.CustomerID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Orders lists a page of the company's orders that match f.
func (c *Catalog) Orders(ctx context.Context, companyID int64, f store.Filter, p store.Page) (int64, []*Order, error) {
	total, ids, err := c.store.Reader().OrderIDs(ctx, companyID, f, p)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*Order, 0, len(ids))
	for _, id := range ids {
		o, err := c.Order(ctx, companyID, id)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, o)
	}
	return total, out, nil
}
