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
