package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Customer is a vendor's customer; licenses may belong to one.
type Customer struct {
	ID          int64
	CompanyID   int64
	Email       string
	FirstName   string
	LastName    string
	CompanyName string
	Phone       string
	Reference   string
	Address     string
	City        string
	Postcode    string
	State       string
	Country     string
	Metadata    string // a JSON object
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const customerColumns = `id, company_id, email, first_name, last_name, company_name, phone, reference, address, city,
	postcode, state, country, metadata, created_at, updated_at`

func scanCustomer(row interface{ Scan(...any) error }) (*Customer, error) {
	var c Customer
	var created, updated int64
	err := row.Scan(&c.ID, &c.CompanyID, &c.Email, &c.FirstName, &c.LastName, &c.CompanyName, &c.Phone, &c.Reference,
		&c.Address, &c.City, &c.Postcode, &c.State, &c.Country, &c.Metadata, &created, &updated)
	if err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

// CreateCustomer inserts c; an email already used in the company is
// ErrConflict.
func (q *Queries) CreateCustomer(ctx context.Context, c Customer) (int64, error) {
	if c.Metadata == "" {
		c.Metadata = "{}"
	}
	var id int64
	err := q.db.QueryRowContext(ctx,
		`INSERT INTO customers (company_id, email, first_name, last_name, company_name, phone, reference, address, city,
			postcode, state, country, metadata, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
		c.CompanyID, c.Email, c.FirstName, c.LastName, c.CompanyName, c.Phone, c.Reference, c.Address, c.City,
		c.Postcode, c.State, c.Country, c.Metadata, ms(c.CreatedAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("customer %q: %w", c.Email, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create customer: %w", err)
	}
	return id, nil
}

// CreateCustomerIfAbsent inserts c unless the company has a customer with
// its email, and reports whether it did: a concurrent insert of the same
// email loses to the unique index instead of failing.
func (q *Queries) CreateCustomerIfAbsent(ctx context.Context, c Customer) (id int64, created bool, err error) {
	if c.Metadata == "" {
		c.Metadata = "{}"
	}
	err = q.db.QueryRowContext(ctx,
		`INSERT INTO customers (company_id, email, first_name, last_name, company_name, phone, reference, address, city,
			postcode, state, country, metadata, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
		 ON CONFLICT (company_id, email) DO NOTHING RETURNING id`,
		c.CompanyID, c.Email, c.FirstName, c.LastName, c.CompanyName, c.Phone, c.Reference, c.Address, c.City,
		c.Postcode, c.State, c.Country, c.Metadata, ms(c.CreatedAt)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("create customer: %w", err)
	}
	return id, true, nil
}

// Customer returns the company's customer with id.
func (q *Queries) Customer(ctx context.Context, companyID, id int64) (*Customer, error) {
	return q.oneCustomer(ctx, `SELECT `+customerColumns+` FROM customers WHERE company_id = $1 AND id = $2`, companyID, id)
}

// CustomerByEmail returns the company's customer with email
// (case-insensitive).
func (q *Queries) CustomerByEmail(ctx context.Context, companyID int64, email string) (*Customer, error) {
	return q.oneCustomer(ctx, `SELECT `+customerColumns+` FROM customers WHERE company_id = $1 AND lower(email) = $2`,
		companyID, NormalizeEmail(email))
}

func (q *Queries) oneCustomer(ctx context.Context, query string, args ...any) (*Customer, error) {
	c, err := scanCustomer(q.db.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("customer: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("customer: %w", err)
	}
	return c, nil
}

// CustomerLicenseUser is one (license user, license) pair of a customer's
// licenses of a product.
type CustomerLicenseUser struct {
	User    LicenseUser
	Link    LicenseUserLink
	License License
}

// CustomerLicenseUsers lists the users of the customer's licenses of a
// product, by license then user.
func (q *Queries) CustomerLicenseUsers(ctx context.Context, customerID, productID int64) ([]CustomerLicenseUser, error) {
	rows, err := q.db.QueryContext(ctx,
		`SELECT `+prefixed("u.", licenseUserColumns)+`, `+linkColumns+`, `+prefixed("l.", licenseColumns)+`
		 FROM licenses l
		 JOIN license_user_licenses lul ON lul.license_id = l.id
		 JOIN license_users u ON u.id = lul.license_user_id
		 WHERE l.customer_id = $1 AND l.product_id = $2
		 ORDER BY l.id, u.id`, customerID, productID)
	if err != nil {
		return nil, fmt.Errorf("customer license users: %w", err)
	}
	defer rows.Close()
	var out []CustomerLicenseUser
	for rows.Next() {
		var e CustomerLicenseUser
		var r licenseRow
		u, err := scanLicenseUser(scanPrefix{rows, append(e.Link.fields(), e.License.fields(&r)...)})
		if err != nil {
			return nil, err
		}
		e.User = *u
		r.apply(&e.License)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CustomerIDs lists the company's customers matching f (columns of
// customers as t).
func (q *Queries) CustomerIDs(ctx context.Context, companyID int64, f Filter, p Page) (int64, []int64, error) {
	return q.listIDs(ctx, "customers", "t.company_id = ?", []any{companyID}, f, p)
}

// CustomerLicenseCount counts the licenses of a customer.
func (q *Queries) CustomerLicenseCount(ctx context.Context, customerID int64) (int64, error) {
	var n int64
	err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM licenses WHERE customer_id = $1`, customerID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count customer licenses: %w", err)
	}
	return n, nil
}

// DeleteCustomer deletes a customer no license references; a referenced
// one is ErrConflict (checked in the statement, not before it).
func (q *Queries) DeleteCustomer(ctx context.Context, companyID, id int64) error {
	ok, err := q.conditional(ctx, "delete customer",
		`DELETE FROM customers WHERE company_id = $1 AND id = $2 AND NOT EXISTS (SELECT 1 FROM licenses WHERE customer_id = $2)
		 AND NOT EXISTS (SELECT 1 FROM oauth_clients WHERE customer_id = $2)`, companyID, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("customer %d is referenced: %w", id, ErrConflict)
	}
	return nil
}
