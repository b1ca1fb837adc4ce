package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LicenseUser is an end user of user-based licenses.
type LicenseUser struct {
	ID                    int64
	CompanyID             int64
	Email                 string
	FirstName             string
	LastName              string
	PhoneNumber           string
	PasswordHash          string
	IsActive              bool
	IsInitialPassword     bool
	InitialPasswordSealed *string
	PasswordChangedAt     *time.Time
	CreatedAt             time.Time
}

// NormalizeEmail is the form usernames are matched in: case-insensitive,
// surrounding white space ignored.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

const licenseUserColumns = `id, company_id, email, first_name, last_name, phone_number, password_hash, is_active,
	is_initial_password, initial_password_sealed, password_changed_at, created_at`

func scanLicenseUser(row interface{ Scan(...any) error }) (*LicenseUser, error) {
	var u LicenseUser
	var initial sql.NullString
	var changed sql.NullInt64
	var created int64
	err := row.Scan(&u.ID, &u.CompanyID, &u.Email, &u.FirstName, &u.LastName, &u.PhoneNumber, &u.PasswordHash, &u.IsActive,
		&u.IsInitialPassword, &initial, &changed, &created)
	if err != nil {
		return nil, err
	}
	if initial.Valid {
		u.InitialPasswordSealed = &initial.String
	}
	u.PasswordChangedAt = timePtr(changed)
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// CreateLicenseUser inserts u and returns its id; an email already used in
// the company (case-insensitively) is ErrConflict.
func (q *Queries) CreateLicenseUser(ctx context.Context, u LicenseUser) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx,
		`INSERT INTO license_users (company_id, email, email_normalized, first_name, last_name, phone_number,
			password_hash, is_active, is_initial_password, initial_password_sealed, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		u.CompanyID, u.Email, NormalizeEmail(u.Email), u.FirstName, u.LastName, u.PhoneNumber,
		u.PasswordHash, u.IsActive, u.IsInitialPassword, nullString(u.InitialPasswordSealed), ms(u.CreatedAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("license user %q: %w", u.Email, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create license user: %w", err)
	}
	return id, nil
}

// CreateLicenseUserIfAbsent inserts u unless the company has a license user
// with its email (case-insensitively), and reports whether it did: of
// concurrent inserts of one email exactly one creates the user.
func (q *Queries) CreateLicenseUserIfAbsent(ctx context.Context, u LicenseUser) (id int64, created bool, err error) {
	err = q.db.QueryRowContext(ctx,
		`INSERT INTO license_users (company_id, email, email_normalized, first_name, last_name, phone_number,
			password_hash, is_active, is_initial_password, initial_password_sealed, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
		 ON CONFLICT (company_id, email_normalized) DO NOTHING RETURNING id`,
		u.CompanyID, u.Email, NormalizeEmail(u.Email), u.FirstName, u.LastName, u.PhoneNumber,
		u.PasswordHash, u.IsActive, u.IsInitialPassword, nullString(u.InitialPasswordSealed), ms(u.CreatedAt)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("create license user: %w", err)
	}
	return id, true, nil
}

// LicenseUser returns the company's license user with id.
func (q *Queries) LicenseUser(ctx context.Context, companyID, id int64) (*LicenseUser, error) {
	return q.oneLicenseUser(ctx, fmt.Sprintf("license user %d", id),
		`SELECT `+licenseUserColumns+` FROM license_users WHERE company_id = $1 AND id = $2`, companyID, id)
}

// LicenseUserByEmail returns the company's license user whose email matches
// case-insensitively.
func (q *Queries) LicenseUserByEmail(ctx context.Context, companyID int64, email string) (*LicenseUser, error) {
	if !StorableText(email) {
		return nil, fmt.Errorf("license user: %w", ErrNotFound) // no stored e-mail can equal it
	}
	return q.oneLicenseUser(ctx, "license user",
		`SELECT `+licenseUserColumns+` FROM license_users WHERE company_id = $1 AND email_normalized = $2`,
		companyID, NormalizeEmail(email))
}

func (q *Queries) oneLicenseUser(ctx context.Context, what, query string, args ...any) (*LicenseUser, error) {
	u, err := scanLicenseUser(q.db.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return u, nil
}

// AttachLicenseUser links a user to a license; linking twice is ErrConflict.
func (q *Queries) AttachLicenseUser(ctx context.Context, licenseID, userID, maxActivations int64, unlimited bool, now time.Time) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO license_user_licenses (license_id, license_user_id, max_activations, allow_unlimited_activations, created_at)
		 VALUES ($1, $2, $3, $4, $5)`, licenseID, userID, maxActivations, unlimited, ms(now))
	if isUniqueViolation(err) {
		return fmt.Errorf("license user %d on license %d: %w", userID, licenseID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("attach license user: %w", err)
	}
	return nil
}

// UserLicenseCounts returns how many licenses the user holds and how many of
// them are enabled.
func (q *Queries) UserLicenseCounts(ctx context.Context, userID int64) (total, enabled int64, err error) {
	err = q.db.QueryRowContext(ctx,
		`SELECT count(*), COALESCE(SUM(CASE WHEN l.enabled THEN 1 ELSE 0 END), 0)
		 FROM license_user_licenses lul JOIN licenses l ON l.id = lul.license_id
		 WHERE lul.license_user_id = $1`, userID).Scan(&total, &enabled)
	if err != nil {
		return 0, 0, fmt.Errorf("count user licenses: %w", err)
	}
	return total, enabled, nil
}

// SetLicenseUserActive activates or deactivates a license user.
func (q *Queries) SetLicenseUserActive(ctx context.Context, companyID, id int64, active bool, now time.Time) error {
	return q.execOne(ctx, fmt.Sprintf("license user %d", id),
		`UPDATE license_users SET is_active = $1, updated_at = $2 WHERE company_id = $3 AND id = $4`,
		active, ms(now), companyID, id)
}

// ReplacePassword stores newHash for the user only if the stored hash is
// still oldHash, clearing the initial password. The compare-and-swap is what
// makes exactly one of several concurrent changes win: the others find the
// hash they verified against gone and get ErrNotFound.
func (q *Queries) ReplacePassword(ctx context.Context, userID int64, oldHash, newHash string, now time.Time) error {
	return q.execOne(ctx, fmt.Sprintf("license user %d with the verified password", userID),
		`UPDATE license_users
		 SET password_hash = $1, is_initial_password = FALSE, initial_password_sealed = NULL,
		     password_changed_at = $2, updated_at = $2
		 WHERE id = $3 AND password_hash = $4 AND is_active`,
		newHash, ms(now), userID, oldHash)
}

// RehashPassword upgrades the stored hash of an unchanged password to
// stronger parameters, if nobody changed it meanwhile. It leaves the
// initial-password state alone: the password itself is the same.
func (q *Queries) RehashPassword(ctx context.Context, userID int64, oldHash, newHash string, now time.Time) error {
	_, err := q.db.ExecContext(ctx,
		`UPDATE license_users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND password_hash = $4`,
		newHash, ms(now), userID, oldHash)
	if err != nil {
		return fmt.Errorf("rehash password: %w", err)
	}
	return nil
}

// LicenseUserLink is a user's membership of one license, with the per-user
// activation limit.
type LicenseUserLink struct {
	LicenseID                 int64
	LicenseUserID             int64
	MaxActivations            int64
	AllowUnlimitedActivations bool
	TotalActivations          int64
}

const linkColumns = `lul.license_id, lul.license_user_id, lul.max_activations, lul.allow_unlimited_activations, lul.total_activations`

func (k *LicenseUserLink) fields() []any {
	return []any{&k.LicenseID, &k.LicenseUserID, &k.MaxActivations, &k.AllowUnlimitedActivations, &k.TotalActivations}
}

// LicenseUserLink returns the user's membership of the license.
func (q *Queries) LicenseUserLink(ctx context.Context, licenseID, userID int64) (*LicenseUserLink, error) {
	var k LicenseUserLink
	err := q.db.QueryRowContext(ctx, `SELECT `+linkColumns+` FROM license_user_licenses lul
		WHERE lul.license_id = $1 AND lul.license_user_id = $2`, licenseID, userID).Scan(k.fields()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("license user %d on license %d: %w", userID, licenseID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("license user link: %w", err)
	}
	return &k, nil
}

// LicenseUsersOf lists the users of a license with their memberships.
func (q *Queries) LicenseUsersOf(ctx context.Context, licenseID int64) ([]LicenseUser, []LicenseUserLink, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+prefixed("u.", licenseUserColumns)+`, `+linkColumns+`
		FROM license_user_licenses lul JOIN license_users u ON u.id = lul.license_user_id
		WHERE lul.license_id = $1 ORDER BY u.id`, licenseID)
	if err != nil {
		return nil, nil, fmt.Errorf("license users: %w", err)
	}
	defer rows.Close()
	var users []LicenseUser
	var links []LicenseUserLink
	for rows.Next() {
		var k LicenseUserLink
		u, err := scanLicenseUser(scanPrefix{rows, k.fields()})
		if err != nil {
			return nil, nil, err
		}
		users, links = append(users, *u), append(links, k)
	}
	return users, links, rows.Err()
}

// ClaimLicenseUserSlot counts one more user on the license unless
// max_license_users (0: unlimited) is reached, in one statement, so that
// concurrent attachments never pass it.
func (q *Queries) ClaimLicenseUserSlot(ctx context.Context, licenseID int64, now time.Time) (bool, error) {
	return q.conditional(ctx, "claim license user slot",
		`UPDATE licenses SET license_users_count = license_users_count + 1, updated_at = $2
		 WHERE id = $1 AND (max_license_users = 0 OR license_users_count < max_license_users)`, licenseID, ms(now))
}

// ClaimUserActivation takes one of the user's activations on the license,
// unless the per-user limit is reached, in one statement.
func (q *Queries) ClaimUserActivation(ctx context.Context, licenseID, userID int64) (bool, error) {
	return q.conditional(ctx, "claim user activation",
		`UPDATE license_user_licenses SET total_activations = total_activations + 1
		 WHERE license_id = $1 AND license_user_id = $2
		   AND (allow_unlimited_activations OR total_activations < max_activations)`, licenseID, userID)
}

// ReleaseUserActivation gives back one of the user's activations.
func (q *Queries) ReleaseUserActivation(ctx context.Context, licenseID, userID int64) error {
	_, err := q.db.ExecContext(ctx,
		`UPDATE license_user_licenses SET total_activations = total_activations - 1
		 WHERE license_id = $1 AND license_user_id = $2 AND total_activations > 0`, licenseID, userID)
	if err != nil {
		return fmt.Errorf("release user activation: %w", err)
	}
	return nil
}

// SetLicenseUserPassword sets a password the vendor chose: no longer an
// initial one, the stored initial password erased.
func (q *Queries) SetLicenseUserPassword(ctx context.Context, companyID, id int64, hash string, now time.Time) error {
	return q.execOne(ctx, fmt.Sprintf("license user %d", id),
		`UPDATE license_users SET password_hash = $1, is_initial_password = FALSE, initial_password_sealed = NULL,
		     password_changed_at = $2, updated_at = $2
		 WHERE company_id = $3 AND id = $4`, hash, ms(now), companyID, id)
}

// Membership is a user's link to a license, with the license's product.
type Membership struct {
	Link             LicenseUserLink
	ProductShortCode string
}

// UserMemberships lists the licenses a user is on, oldest first.
func (q *Queries) UserMemberships(ctx context.Context, userID int64) ([]Membership, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+linkColumns+`, p.short_code
		 FROM license_user_licenses lul JOIN licenses l ON l.id = lul.license_id JOIN products p ON p.id = l.product_id
		 WHERE lul.license_user_id = $1 ORDER BY lul.license_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("user memberships: %w", err)
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (*Membership, error) {
		var m Membership
		if err := row.Scan(append(m.Link.fields(), &m.ProductShortCode)...); err != nil {
			return nil, err
		}
		return &m, nil
	})
}

// DetachLicenseUser takes a user off a license and gives back its license
// user slot; not on it is ErrNotFound.
func (q *Queries) DetachLicenseUser(ctx context.Context, licenseID, userID int64, now time.Time) error {
	ok, err := q.conditional(ctx, "detach license user",
		`DELETE FROM license_user_licenses WHERE license_id = $1 AND license_user_id = $2`, licenseID, userID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("license user %d on license %d: %w", userID, licenseID, ErrNotFound)
	}
	_, err = q.db.ExecContext(ctx, `UPDATE licenses SET license_users_count = license_users_count - 1, updated_at = $2
		 WHERE id = $1 AND license_users_count > 0`, licenseID, ms(now))
	return err
}

// SetUserLimits changes a user's limits on a license (nil: unchanged).
func (q *Queries) SetUserLimits(ctx context.Context, licenseID, userID int64, maxActivations, totalActivations *int64) error {
	if maxActivations != nil {
		if _, err := q.db.ExecContext(ctx, `UPDATE license_user_licenses SET max_activations = $3, allow_unlimited_activations = $4
			 WHERE license_id = $1 AND license_user_id = $2`, licenseID, userID, *maxActivations, *maxActivations == 0); err != nil {
			return fmt.Errorf("set user limits: %w", err)
		}
	}
	if totalActivations != nil {
		if _, err := q.db.ExecContext(ctx, `UPDATE license_user_licenses SET total_activations = $3
			 WHERE license_id = $1 AND license_user_id = $2`, licenseID, userID, *totalActivations); err != nil {
			return fmt.Errorf("set user activations: %w", err)
		}
	}
	return nil
}

// UserDeviceIDs lists a user's active devices on a license.
func (q *Queries) UserDeviceIDs(ctx context.Context, licenseID, userID int64) ([]int64, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id FROM devices WHERE license_id = $1 AND license_user_id = $2 AND is_active ORDER BY id`,
		licenseID, userID)
	if err != nil {
		return nil, fmt.Errorf("user devices: %w", err)
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

// AttachLicenseUserIfAbsent links a user to a license unless linked
// already, and reports whether it did: a statement that does nothing on a
// conflict, since a failed one would abort a PostgreSQL transaction.
func (q *Queries) AttachLicenseUserIfAbsent(ctx context.Context, licenseID, userID, maxActivations int64, now time.Time) (bool, error) {
	return q.conditional(ctx, "attach license user",
		`INSERT INTO license_user_licenses (license_id, license_user_id, max_activations, allow_unlimited_activations, created_at)
		 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (license_id, license_user_id) DO NOTHING`,
		licenseID, userID, maxActivations, maxActivations == 0, ms(now))
}
