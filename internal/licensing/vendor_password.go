package licensing

import (
	"context"
	"errors"

	"github.com/licensor/licensor/internal/password"
	"github.com/licensor/licensor/internal/problem"
)

// HashVendorPassword applies the password policy (shared with
// change_password) to a password the vendor sets for a license user, and
// hashes it in the bounded pool: server_busy when the pool is full.
func (s *Service) HashVendorPassword(ctx context.Context, pw string) (string, error) {
	if rule := passwordRuleBroken(pw, ""); rule != "" {
		return "", problem.New(problem.CodeValidationError, "password: "+rule)
	}
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

// UserThrottleBucket names the failed-attempt throttle of a username, which
// a vendor's password reset clears.
func UserThrottleBucket(companyID int64, email string) string { return userBucket(companyID, email) }

// NewUserPassword prepares the password of a license user the vendor
// creates: the given one (hashed, after the policy), or a generated
// initial password, returned in clear and kept sealed until the user
// changes it.
func (s *Service) NewUserPassword(ctx context.Context, companyID int64, email, given string) (hash string, initial string, sealed *string, err error) {
	pw := given
	if pw == "" {
		pw = newInitialPassword()
	}
	if hash, err = s.HashVendorPassword(ctx, pw); err != nil {
		return "", "", nil, err
	}
	if given == "" {
		v := s.box.Seal([]byte(pw), initialPasswordAAD(companyID, email))
		return hash, pw, &v, nil
	}
	return hash, "", nil, nil
}
