package catalog

import (
	"context"
	"errors"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Product is a product with the products a bundle includes.
type Product struct {
	store.Product
	BundleProducts []int64
}

// Product returns product id of the company, or not_found.
func (c *Catalog) Product(ctx context.Context, companyID, id int64) (*Product, error) {
	r := c.store.Reader()
	p, err := r.Product(ctx, companyID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("product")
	}
	if err != nil {
		return nil, err
	}
	out := &Product{Product: *p, BundleProducts: []int64{}}
	if p.IsBundle {
		inc, err := r.BundleProducts(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, i := range inc {
			out.BundleProducts = append(out.BundleProducts, i.ID)
		}
	}
	return out, nil
}

// Products lists a page of the company's products that match f.
func (c *Catalog) Products(ctx context.Context, companyID int64, f store.Filter, p store.Page) (int64, []*Product, error) {
	total, ids, err := c.store.Reader().ProductIDs(ctx, companyID, f, p)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*Product, 0, len(ids))
	for _, id := range ids {
		pr, err := c.Product(ctx, companyID, id)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, pr)
	}
	return total, out, nil
}

func settingsError(err error) error { return problem.New(problem.CodeValidationError, err.Error()) }

// CreateProduct creates a product (not a bundle: bundles are made with the
// CLI) with settings as `licensor product create` takes them.
func (c *Catalog) CreateProduct(ctx context.Context, a Actor, code, name, auth string, settings []string) (int64, error) {
	switch {
	case !licensing.ValidShortCode(code):
		return 0, problem.New(problem.CodeValidationError, "short_code: 1-64 letters, digits, '_', '.', '-', starting with a letter or digit")
	case auth != store.AuthLicenseKey && auth != store.AuthUser:
		return 0, problem.New(problem.CodeValidationError, `authorization_method: "license-key" or "user"`)
	}
	cols, err := licensing.ProductColumns(append([]string{"name=" + name}, settings...))
	if err != nil {
		return 0, settingsError(err)
	}
	p := store.Product{CompanyID: a.CompanyID, ShortCode: code, Name: name, AuthorizationMethod: auth, MaxActivations: 1,
		TrialMaxActivations: 1, FloatingTimeout: 120, CreatedAt: c.now()}
	var id int64
	err = c.store.WithTx(ctx, func(q *store.Queries) error {
		var err error
		if id, err = q.CreateProduct(ctx, p); errors.Is(err, store.ErrConflict) {
			return problem.Newf(problem.CodeProductExists, "short_code: a product %q exists", code)
		} else if err != nil {
			return err
		}
		if err := q.UpdateColumns(ctx, "products", a.CompanyID, id, cols, c.now()); err != nil {
			return err
		}
		return c.audit(ctx, q, a, "product.created", "product", id, map[string]any{"short_code": code})
	})
	return id, err
}

// UpdateProduct changes a product's settings; fields names them for the
// audit log.
func (c *Catalog) UpdateProduct(ctx context.Context, a Actor, id int64, settings, fields []string) error {
	cols, err := licensing.ProductColumns(settings)
	if err != nil {
		return settingsError(err)
	}
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		if err := q.UpdateColumns(ctx, "products", a.CompanyID, id, cols, c.now()); err != nil {
			return err
		}
		return c.audit(ctx, q, a, "product.updated", "product", id, map[string]any{"fields": fields})
	})
}
