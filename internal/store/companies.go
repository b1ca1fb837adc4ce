package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Company is a tenant: one software vendor.
type Company struct {
	ID                  int64
	Name                string
	AllowChangePassword bool
	AllowMultipleTrials bool
	// ExposeInitialPasswords lets customer_license_users show initial
	// passwords (license-api.md §5.15); off by default.
	ExposeInitialPasswords bool
	CreatedAt              time.Time
}

const companyColumns = `id, name, allow_change_password, allow_multiple_trials, expose_initial_passwords, created_at`

func scanCompany(row interface{ Scan(...any) error }) (*Company, error) {
	var c Company
	var created int64
	if err := row.Scan(&c.ID, &c.Name, &c.AllowChangePassword, &c.AllowMultipleTrials, &c.ExposeInitialPasswords, &created); err != nil {
		return nil, err
	}
	c.CreatedAt = fromMS(created)
	return &c, nil
}

// CreateCompany inserts a company and returns its id.
func (q *Queries) CreateCompany(ctx context.Context, name string, now time.Time) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx,
		`INSERT INTO companies (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id`,
		name, ms(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create company: %w", err)
	}
	return id, nil
}

// ClaimInstallation marks the database initialized and reports whether this
// call did it: of several concurrent `licensor init` runs exactly one wins.
func (q *Queries) ClaimInstallation(ctx context.Context, now time.Time) (bool, error) {
	return q.conditional(ctx, "claim installation",
		`INSERT INTO installation (id, initialized_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, ms(now))
}

// SetCompanyFlag sets one of a company's boolean settings.
func (q *Queries) SetCompanyFlag(ctx context.Context, id int64, column string, value bool, now time.Time) error {
	switch column {
	case "allow_change_password", "allow_multiple_trials", "expose_initial_passwords":
	default:
		return fmt.Errorf("company setting %q is not a flag", column)
	}
	return q.execOne(ctx, fmt.Sprintf("company %d", id),
		`UPDATE companies SET `+column+` = $1, updated_at = $2 WHERE id = $3`, value, ms(now), id)
}

// Company returns the company with id.
func (q *Queries) Company(ctx context.Context, id int64) (*Company, error) {
	c, err := scanCompany(q.db.QueryRowContext(ctx, `SELECT `+companyColumns+` FROM companies WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("company %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("company %d: %w", id, err)
	}
	return c, nil
}

// Companies lists every company, oldest first.
func (q *Queries) Companies(ctx context.Context) ([]Company, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+companyColumns+` FROM companies ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	defer rows.Close()
	var out []Company
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// execOne runs an UPDATE that must touch exactly one row; none is
// ErrNotFound.
func (q *Queries) execOne(ctx context.Context, what, query string, args ...any) error {
	res, err := q.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
