package licensing

import (
	"context"
	"errors"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Floating cloud licenses (license-api.md §5.12, §6.2): a license with
// is_floating_cloud has floating_users seats. Activation and every
// check_license take or renew the device's seat for floating_timeout
// minutes; floating/borrow holds it until a chosen time without checks;
// floating/release and deactivation give it back. The seats are rows
// claimed one statement at a time (store.ClaimSeat), so that no more than
// floating_users devices hold one, whatever the instances racing.

// seatTimeout is how long a check keeps a seat.
func seatTimeout(l *store.License) time.Duration {
	return time.Duration(max(l.FloatingTimeout, 1)) * time.Minute
}

func errNoSeat() error {
	return problem.New(problem.CodeNoAvailableFloatingSlots, "every floating seat of the license is in use")
}

// takeSeat takes or renews the device's seat of a floating cloud license.
// fresh reports whether the device held no live seat before.
func (s *Service) takeSeat(ctx context.Context, l *store.License, hardwareID string, now time.Time) (fresh bool, err error) {
	if !l.IsFloatingCloud {
		return false, nil
	}
	before, err := s.store.Reader().Seat(ctx, l.ID, 0, hardwareID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	fresh = before == nil || !before.ExpiresAt.After(now)
	_, err = s.store.Writer().ClaimSeat(ctx, store.SeatClaim{LicenseID: l.ID, HardwareID: hardwareID, Seats: l.FloatingUsers,
		Until: now.Add(seatTimeout(l)), Now: now})
	if errors.Is(err, store.ErrNoSeat) {
		return false, errNoSeat()
	}
	return fresh, err
}

// seatView adds the floating state to a view of a floating cloud license:
// the seats in use, and the device's seat (borrowed or not).
func (s *Service) seatView(ctx context.Context, v *LicenseView) error {
	if !v.License.IsFloatingCloud {
		return nil
	}
	r := s.store.Reader()
	n, err := r.SeatsInUse(ctx, v.License.ID, 0, v.Now)
	if err != nil {
		return err
	}
	v.SeatsInUse = &n
	if v.Device != nil {
		seat, err := r.Seat(ctx, v.License.ID, 0, v.Device.HardwareID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if seat != nil && seat.ExpiresAt.After(v.Now) {
			v.Seat = seat
		}
	}
	return nil
}

// Borrowed is a floating/borrow answer.
type Borrowed struct {
	Until         time.Time
	MaxBorrowTime int64
	DeviceID      int64
	LicenseID     int64
	CompanyID     int64
}

// Borrow holds the device's seat until until (nil: now + max_borrow_time
// hours) without checks (license-api.md §5.12).
func (s *Service) Borrow(ctx context.Context, c Caller, id Identity, until *time.Time) (*Borrowed, error) {
	f, err := s.findLicense(ctx, c, id, true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	device, err := s.checkOne(ctx, c, f, CheckInput{Identity: id}, now)
	if err != nil {
		return nil, err
	}
	l := f.license
	if !l.IsFloatingCloud {
		return nil, problem.New(problem.CodeWrongLicenseType, "the license is not a floating cloud license")
	}
	end, err := borrowWindow(l, until, now)
	if err != nil {
		return nil, err
	}
	_, err = s.store.Writer().ClaimSeat(ctx, store.SeatClaim{LicenseID: l.ID, HardwareID: id.HardwareID, Seats: l.FloatingUsers,
		Until: end, Borrow: true, Now: now})
	if errors.Is(err, store.ErrNoSeat) {
		return nil, errNoSeat()
	}
	if err != nil {
		return nil, err
	}
	return &Borrowed{Until: end, MaxBorrowTime: l.MaxBorrowTime, DeviceID: device.ID, LicenseID: l.ID, CompanyID: l.CompanyID}, nil
}

// borrowWindow checks that the license allows borrowing and returns when
// the borrow ends: until, or now + max_borrow_time hours when it is nil;
// it must be after now and at most max_borrow_time hours ahead.
func borrowWindow(l *store.License, until *time.Time, now time.Time) (time.Time, error) {
	if !l.CanBorrow {
		return time.Time{}, problem.New(problem.CodeBorrowingNotAllowed, "the license does not allow borrowing")
	}
	latest := now.Add(time.Duration(l.MaxBorrowTime) * time.Hour)
	if until == nil {
		return latest, nil
	}
	if !until.After(now) || until.After(latest) {
		return time.Time{}, problem.Newf(problem.CodeBorrowUntilNotValid, "borrowed_until must be after now and at most %d hours ahead", l.MaxBorrowTime)
	}
	return *until, nil
}

// ReleaseSeat gives back the device's seat, borrowed or not
// (license-api.md §5.12). Releasing a seat the device does not hold is not
// an error.
func (s *Service) ReleaseSeat(ctx context.Context, c Caller, id Identity) error {
	id.Password = ""
	f, err := s.findLicense(ctx, c, id, false)
	if err != nil {
		return err
	}
	if !f.license.IsFloatingCloud {
		return problem.New(problem.CodeWrongLicenseType, "the license is not a floating cloud license")
	}
	if id.HardwareID == "" {
		return missing("hardware_id")
	}
	_, err = s.store.Writer().ReleaseSeat(ctx, f.license.ID, 0, id.HardwareID)
	return err
}

// takeFeatureSeat takes or renews the device's seat of a floating cloud
// feature and returns the feature's seats in use.
func (s *Service) takeFeatureSeat(ctx context.Context, feat *store.LicenseFeature, hardwareID string, now time.Time) (*int64, error) {
	_, err := s.store.Writer().ClaimSeat(ctx, store.SeatClaim{LicenseID: feat.LicenseID, FeatureID: feat.ID, HardwareID: hardwareID,
		Seats: feat.FloatingUsers, Until: now.Add(time.Duration(max(feat.FloatingTimeout, 1)) * time.Minute), Now: now})
	if errors.Is(err, store.ErrNoSeat) {
		return nil, problem.Newf(problem.CodeNoAvailableFloatingSlots, "every floating seat of feature %q is in use", feat.Code)
	}
	if err != nil {
		return nil, err
	}
	n, err := s.store.Reader().SeatsInUse(ctx, feat.LicenseID, feat.ID, now)
	return &n, err
}

// BorrowFeature holds the device's seat of a floating cloud feature until
// until (nil: now + the license's max_borrow_time hours), following the
// license's can_borrow (license-api.md §6.2).
func (s *Service) BorrowFeature(ctx context.Context, c Caller, id Identity, code string, until *time.Time) (*Borrowed, error) {
	if err := requireIdentity(id, true, "feature", code); err != nil {
		return nil, err
	}
	f, err := s.findLicense(ctx, c, id, true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	device, err := s.checkOne(ctx, c, f, CheckInput{Identity: id}, now)
	if err != nil {
		return nil, err
	}
	feat, err := s.licenseFeature(ctx, f.license, code, now)
	if err != nil {
		return nil, err
	}
	l := f.license
	if !feat.IsFloatingCloud {
		return nil, problem.Newf(problem.CodeWrongLicenseType, "feature %q is not a floating cloud feature", code)
	}
	end, err := borrowWindow(l, until, now)
	if err != nil {
		return nil, err
	}
	_, err = s.store.Writer().ClaimSeat(ctx, store.SeatClaim{LicenseID: l.ID, FeatureID: feat.ID, HardwareID: id.HardwareID,
		Seats: feat.FloatingUsers, Until: end, Borrow: true, Now: now})
	if errors.Is(err, store.ErrNoSeat) {
		return nil, problem.Newf(problem.CodeNoAvailableFloatingSlots, "every floating seat of feature %q is in use", code)
	}
	if err != nil {
		return nil, err
	}
	return &Borrowed{Until: end, MaxBorrowTime: l.MaxBorrowTime, DeviceID: device.ID, LicenseID: l.ID, CompanyID: l.CompanyID}, nil
}

// ReleaseFeatureSeat gives back the device's seat of a floating cloud
// feature, borrowed or not.
func (s *Service) ReleaseFeatureSeat(ctx context.Context, c Caller, id Identity, code string) error {
	id.Password = ""
	if err := requireIdentity(id, false, "feature", code); err != nil {
		return err
	}
	f, err := s.findLicense(ctx, c, id, false)
	if err != nil {
		return err
	}
	feat, err := s.store.Reader().LicenseFeature(ctx, f.license.ID, code)
	if errors.Is(err, store.ErrNotFound) {
		return problem.Newf(problem.CodeUnsupportedProductFeature, "the license has no feature %q", code)
	}
	if err != nil {
		return err
	}
	if !feat.IsFloatingCloud {
		return problem.Newf(problem.CodeWrongLicenseType, "feature %q is not a floating cloud feature", code)
	}
	_, err = s.store.Writer().ReleaseSeat(ctx, f.license.ID, feat.ID, id.HardwareID)
	return err
}
