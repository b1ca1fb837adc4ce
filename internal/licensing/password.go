package licensing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/licensor/licensor/internal/password"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Password policy for new passwords (change-password.md row 16).
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// ChangePasswordInput is a change_password request once authorized and
// decoded.
type ChangePasswordInput struct {
	Caller
	CompanyID    int64
	CredentialID int64
	ClientIP     string
	Username     string
	Password     string
	NewPassword  string
}

// ChangePassword runs change-password.md rows 12–17 in order. Of several
// concurrent changes presenting the right password exactly one wins; the
// others get user_not_found, because the password they present is no
// longer current (or too_many_requests, when more of them are in flight
// than the throttle lets through at once).
func (s *Service) ChangePassword(ctx context.Context, in ChangePasswordInput) error {
	company, err := s.store.Reader().Company(ctx, in.CompanyID)
	if err != nil {
		return err
	}
	if !company.AllowChangePassword {
		return problem.New(problem.CodeChangePasswordNotAllowed, "/change_password is being called but is not allowed for the company")
	}
	email := usernameEmail(in.Username)
	a, err := s.reserveAttempt(ctx, company.ID, email, in.ClientIP)
	if err != nil {
		return err
	}
	user, err := s.changePassword(ctx, company, a, in)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "license user changed password", "company_id", company.ID, "license_user_id", user.ID, "client_ip", in.ClientIP)
	return nil
}

// changePassword runs rows 14–17 on a reserved attempt: a wrong password
// keeps the reservation as a failure, every other outcome gives it back.
func (s *Service) changePassword(ctx context.Context, company *store.Company, a *attempt, in ChangePasswordInput) (*store.LicenseUser, error) {
	settled := false // kept as a failure, or given back with the success
	defer func() {
		if !settled {
			s.release(a)
		}
	}()
	user, err := s.store.Reader().LicenseUserByEmail(ctx, company.ID, usernameEmail(in.Username))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if user != nil && !s.userInScope(ctx, in.Caller, user.ID) {
		user = nil // a scoped OAuth client sees only its own users
	}
	var total, enabled int64
	if user != nil {
		if total, enabled, err = s.store.Reader().UserLicenseCounts(ctx, user.ID); err != nil {
			return nil, err
		}
	}

	var newHash string
	bad := false
	err = s.hasher.Do(ctx, func(slot password.Slot) error {
		if user == nil {
			slot.VerifyDummy(in.Password)
			bad = true
			return nil
		}
		ok, _, err := slot.Verify(user.PasswordHash, in.Password)
		if err != nil {
			return err
		}
		if !ok || !user.IsActive {
			bad = true
			return nil
		}
		if total > 0 && enabled == 0 {
			return problem.New(problem.CodeLicenseNotEnabled, "every license of this user is disabled")
		}
		if err := checkNewPassword(in.NewPassword, in.Password); err != nil {
			return err
		}
		newHash, err = slot.Hash(in.NewPassword)
		return err
	})
	if errors.Is(err, password.ErrBusy) {
		return nil, errServerBusy(s.hasher.RetryAfter())
	}
	if err != nil {
		return nil, err
	}
	if bad {
		settled = true // the reservation stays, as the failure
		return nil, errUserNotFound()
	}

	now := s.now()
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		if err := q.ReplacePassword(ctx, user.ID, user.PasswordHash, newHash, now); err != nil {
			return err
		}
		details, _ := json.Marshal(map[string]any{"email": user.Email})
		if err := q.InsertAuditEvent(ctx, store.AuditEvent{
			CompanyID:       &company.ID,
			OccurredAt:      now,
			Action:          "license_user.password_changed",
			ActorType:       "license_user",
			ActorID:         &user.ID,
			APICredentialID: credentialRef(in.Caller),
			OAuthClientID:   oauthRef(in.Caller),
			ClientIP:        in.ClientIP,
			SubjectType:     "license_user",
			SubjectID:       &user.ID,
			Details:         string(details),
		}); err != nil {
			return err
		}
		return s.giveBack(ctx, q, a)
	})
	if errors.Is(err, store.ErrNotFound) {
		// Another request changed the password (or the vendor deactivated
		// the user) after we verified it: what this request presented is
		// no longer the current password.
		return nil, errUserNotFound()
	}
	if err != nil {
		return nil, err
	}
	settled = true
	return user, nil
}

// authenticateUser checks a license user's credentials as every
// username+password call does: throttled, one answer for every failure, a
// dummy verification for unknown users, and a re-hash when the stored hash
// uses weaker parameters than the current ones.
func (s *Service) authenticateUser(ctx context.Context, companyID int64, username, pw, ip string) (*store.LicenseUser, error) {
	email := usernameEmail(username)
	a, err := s.reserveAttempt(ctx, companyID, email, ip)
	if err != nil {
		return nil, err
	}
	settled := false // kept as a failure, or given back with the success
	defer func() {
		if !settled {
			s.release(a)
		}
	}()
	user, err := s.store.Reader().LicenseUserByEmail(ctx, companyID, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	var ok bool
	var upgraded string
	err = s.hasher.Do(ctx, func(slot password.Slot) error {
		if user == nil {
			slot.VerifyDummy(pw)
			return nil
		}
		var rehash bool
		var err error
		ok, rehash, err = slot.Verify(user.PasswordHash, pw)
		if err != nil || !ok || !rehash {
			return err
		}
		upgraded, err = slot.Hash(pw)
		return err
	})
	if errors.Is(err, password.ErrBusy) {
		return nil, errServerBusy(s.hasher.RetryAfter())
	}
	if err != nil {
		return nil, err
	}
	if !ok || !user.IsActive {
		settled = true // the reservation stays, as the failure
		return nil, errUserNotFound()
	}
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		if upgraded != "" {
			if err := q.RehashPassword(ctx, user.ID, user.PasswordHash, upgraded, s.now()); err != nil {
				return err
			}
		}
		return s.giveBack(ctx, q, a)
	})
	if err != nil {
		return nil, err
	}
	settled = true
	if upgraded != "" {
		user.PasswordHash = upgraded
	}
	return user, nil
}

// usernameEmail is the license user's email in a username: the SDKs may send
// "email|CUSTOMER_ACCOUNT_CODE" (license-api.md §3.1), and only the part
// before the first "|" names the user.
func usernameEmail(username string) string {
	if i := strings.IndexByte(username, '|'); i >= 0 {
		username = username[:i]
	}
	return store.NormalizeEmail(username)
}

// checkNewPassword applies the password policy to change_password's
// new_password; the message names the rule broken, never the password.
func checkNewPassword(newPW, current string) error {
	if rule := passwordRuleBroken(newPW, current); rule != "" {
		return problem.New(problem.CodeValidationError, "new_password "+rule)
	}
	return nil
}

// passwordRuleBroken returns the policy rule pw breaks, or "".
func passwordRuleBroken(pw, current string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return fmt.Sprintf("must be at least %d characters long", MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Sprintf("must be at most %d characters long", MaxPasswordLen)
	case strings.TrimSpace(pw) == "":
		return "must not be only white space"
	case pw == current:
		return "must differ from the current password"
	}
	return ""
}

// userInScope reports whether a scoped caller may act on a license user:
// the user has a license in the caller's scope.
func (s *Service) userInScope(ctx context.Context, c Caller, userID int64) bool {
	if !c.scoped() {
		return true
	}
	lics, err := s.store.Reader().UserLicenses(ctx, userID, 0)
	if err != nil {
		return false
	}
	for i := range lics {
		if s.inScope(ctx, c, &lics[i]) {
			return true
		}
	}
	return false
}
