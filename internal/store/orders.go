package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Order is a vendor's order (management-api.md §4.6).
type Order struct {
	ID             int64
	CompanyID      int64
	StoreID        string
	Created        *time.Time
	IsTest         bool
	OrderType      string
	Reference      string
	Language       string
	CampaignParams string
	DownloadID     string
	PreventVM      bool
	Metadata       string
	CustomerID     *int64
	RequestHash    string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

const orderColumns = `id, company_id, store_id, created, is_test, order_type, reference, language, campaign_params, download_id,
	prevent_vm, metadata, customer_id, request_hash, created_at, updated_at`

func scanOrder(row interface{ Scan(...any) error }) (*Order, error) {
	var o Order
	var created, customer sql.NullInt64
	var at, updated int64
	if err := row.Scan(&o.ID, &o.CompanyID, &o.StoreID, &created, &o.IsTest, &o.OrderType, &o.Reference, &o.Language, &o.CampaignParams,
		&o.DownloadID, &o.PreventVM, &o.Metadata, &customer, &o.RequestHash, &at, &updated); err != nil {
		return nil, err
	}
	o.Created, o.CustomerID, o.CreatedAt, o.UpdatedAt = timePtr(created), ptr(customer), fromMS(at), fromMS(updated)
	return &o, nil
}

// ClaimOrder inserts o unless the company has an order with its store id,
// and reports whether it did: the unique index decides between racing
// create_order requests (a loser waits for the winner's commit, then sees
// its order).
func (q *Queries) ClaimOrder(ctx context.Context, o Order) (int64, bool, error) {
	var created sql.NullInt64
	if o.Created != nil {
		created = sql.NullInt64{Int64: ms(*o.Created), Valid: true}
	}
	var id int64
	err := q.db.QueryRowContext(ctx, `INSERT INTO orders (company_id, store_id, created, is_test, order_type, reference, language,
			campaign_params, download_id, prevent_vm, metadata, customer_id, request_hash, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
		 ON CONFLICT (company_id, store_id) DO NOTHING RETURNING id`,
		o.CompanyID, o.StoreID, created, o.IsTest, o.OrderType, o.Reference, o.Language, o.CampaignParams, o.DownloadID,
		o.PreventVM, o.Metadata, nullInt(o.CustomerID), o.RequestHash, ms(o.CreatedAt)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("create order: %w", err)
	}
	return id, true, nil
}

func (q *Queries) oneOrder(ctx context.Context, query string, args ...any) (*Order, error) {
	o, err := scanOrder(q.db.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("order: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("order: %w", err)
	}
	return o, nil
}

// OrderByStoreID returns the company's order with store id.
func (q *Queries) OrderByStoreID(ctx context.Context, companyID int64, storeID string) (*Order, error) {
	return q.oneOrder(ctx, `SELECT `+orderColumns+` FROM orders WHERE company_id = $1 AND store_id = $2`, companyID, storeID)
}

// Order returns the company's order id.
func (q *Queries) Order(ctx context.Context, companyID, id int64) (*Order, error) {
	return q.oneOrder(ctx, `SELECT `+orderColumns+` FROM orders WHERE company_id = $1 AND id = $2`, companyID, id)
}

// SetOrderCustomer sets the customer of an order (created with it).
func (q *Queries) SetOrderCustomer(ctx context.Context, id, customerID int64) error {
	_, err := q.db.ExecContext(ctx, `UPDATE orders SET customer_id = $2 WHERE id = $1`, id, customerID)
	return err
}

// TouchOrder marks an order changed (licenses appended).
func (q *Queries) TouchOrder(ctx context.Context, id int64, now time.Time) error {
	_, err := q.db.ExecContext(ctx, `UPDATE orders SET updated_at = $2 WHERE id = $1`, id, ms(now))
	return err
}

// OrderLicenseIDs lists an order's licenses in issue order (not the
// per-product licenses of its bundle licenses).
func (q *Queries) OrderLicenseIDs(ctx context.Context, orderID int64) ([]int64, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id FROM licenses WHERE order_id = $1 AND bundle_license_id IS NULL ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("order licenses: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SetLicenseOrder puts a license in an order (the License API shows its
// store id as order_store_id).
func (q *Queries) SetLicenseOrder(ctx context.Context, licenseID, orderID int64, storeID string) error {
	_, err := q.db.ExecContext(ctx, `UPDATE licenses SET order_id = $2, order_store_id = $3 WHERE id = $1`, licenseID, orderID, storeID)
	return err
}

// LicenseOrderID returns the order of a license (0: none).
func (q *Queries) LicenseOrderID(ctx context.Context, licenseID int64) (int64, error) {
	var id sql.NullInt64
	if err := q.db.QueryRowContext(ctx, `SELECT order_id FROM licenses WHERE id = $1`, licenseID).Scan(&id); err != nil {
		return 0, fmt.Errorf("license order: %w", err)
	}
	return id.Int64, nil
}

// OrderIDs lists the company's orders matching f (columns of orders as t).
func (q *Queries) OrderIDs(ctx context.Context, companyID int64, f Filter, p Page) (int64, []int64, error) {
	return q.listIDs(ctx, "orders", "t.company_id = ?", []any{companyID}, f, p)
}
