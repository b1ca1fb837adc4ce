package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CustomerAccount is an organisation whose people sign in through its own
// OpenID Connect provider (SSO).
type CustomerAccount struct {
	ID          int64
	CompanyID   int64
	Code        string
	Name        string
	SSOIssuer   string
	SSOClientID string
	CreatedAt   time.Time
}

const accountColumns = `id, company_id, code, name, sso_issuer, sso_client_id, created_at`

// CreateCustomerAccount inserts a; a code already used in the company is
// ErrConflict.
func (q *Queries) CreateCustomerAccount(ctx context.Context, a CustomerAccount) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx, `INSERT INTO customer_accounts (company_id, code, name, sso_issuer, sso_client_id, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		a.CompanyID, a.Code, a.Name, a.SSOIssuer, a.SSOClientID, ms(a.CreatedAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("customer account %q: %w", a.Code, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create customer account: %w", err)
	}
	return id, nil
}

// CustomerAccountByCode returns the company's customer account with code.
func (q *Queries) CustomerAccountByCode(ctx context.Context, companyID int64, code string) (*CustomerAccount, error) {
	var a CustomerAccount
	var created int64
	err := q.db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM customer_accounts WHERE company_id = $1 AND code = $2`,
		companyID, code).Scan(&a.ID, &a.CompanyID, &a.Code, &a.Name, &a.SSOIssuer, &a.SSOClientID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("customer account: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("customer account: %w", err)
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// SetCustomerAccount puts a customer in an account (accountID 0: in none).
func (q *Queries) SetCustomerAccount(ctx context.Context, companyID, customerID, accountID int64, now time.Time) error {
	var acc any
	if accountID != 0 {
		acc = accountID
	}
	res, err := q.db.ExecContext(ctx, `UPDATE customers SET customer_account_id = $3, updated_at = $4 WHERE company_id = $1 AND id = $2`,
		companyID, customerID, acc, ms(now))
	if err != nil {
		return fmt.Errorf("set customer account: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("customer %d: %w", customerID, ErrNotFound)
	}
	return nil
}

// AccountUserLicenses lists the licenses of product productID that license
// user userID is on and whose customer belongs to customer account
// accountID, newest first: what an SSO sign-in of that account may use.
func (q *Queries) AccountUserLicenses(ctx context.Context, userID, productID, accountID int64) ([]License, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+prefixed("l.", licenseColumns)+`
		 FROM license_user_licenses lul JOIN licenses l ON l.id = lul.license_id
		 JOIN customers c ON c.id = l.customer_id
		 WHERE lul.license_user_id = $1 AND l.product_id = $2 AND c.customer_account_id = $3
		 ORDER BY l.created_at DESC, l.id DESC`, userID, productID, accountID)
	if err != nil {
		return nil, fmt.Errorf("account user licenses: %w", err)
	}
	return collect(rows, scanLicense)
}
