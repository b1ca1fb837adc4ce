package licensing

import (
	"context"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// A bundle product holds several products. A license of a bundle product is
// a parent: it carries the key (or the users) and has one license per
// product of the bundle, which are what activate_bundle and friends act on
// (license-api.md §5.4).

// findBundle resolves an identity whose product is a bundle to its
// per-product licenses.
func (s *Service) findBundle(ctx context.Context, c Caller, id Identity, authenticate bool) ([]*found, error) {
	if err := requireIdentity(id, authenticate); err != nil {
		return nil, err
	}
	bundle, err := s.product(ctx, c, id.Product)
	if err != nil {
		return nil, err
	}
	if !bundle.IsBundle {
		return nil, problem.Newf(problem.CodeValidationError, "product %q is not a bundle", id.Product)
	}
	parent, err := s.findLicense(ctx, c, id, authenticate)
	if err != nil {
		return nil, err
	}
	r := s.store.Reader()
	children, err := r.BundleChildren(ctx, parent.license.ID)
	if err != nil {
		return nil, err
	}
	if len(children) == 0 {
		return nil, errLicenseNotFound()
	}
	if !parent.license.Enabled {
		return nil, problem.New(problem.CodeLicenseNotEnabled, "the license is not enabled")
	}
	out := make([]*found, 0, len(children))
	for i := range children {
		prod, err := r.Product(ctx, c.CompanyID, children[i].ProductID)
		if err != nil {
			return nil, err
		}
		out = append(out, &found{license: &children[i], product: prod, user: parent.user, bundleKey: parent.license.LicenseKey})
	}
	return out, nil
}

// ActivateBundle activates the device on every license of a bundle, all or
// none.
func (s *Service) ActivateBundle(ctx context.Context, c Caller, in ActivateInput) ([]*LicenseView, error) {
	fs, err := s.findBundle(ctx, c, in.Identity, true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, f := range fs {
		if err := s.activatable(ctx, c, f, in, now); err != nil {
			return nil, err
		}
	}
	devices := make([]*store.Device, len(fs))
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		for i, f := range fs {
			if devices[i], err = s.activateOne(ctx, q, c, f, in, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, errTooManyVariables(err)
	}
	views := make([]*LicenseView, len(fs))
	for i, f := range fs {
		if f.license, err = s.store.Reader().License(ctx, c.CompanyID, f.license.ID); err != nil {
			return nil, err
		}
		if views[i], err = s.view(ctx, f, devices[i], true, now); err != nil {
			return nil, err
		}
	}
	return views, nil
}

// CheckBundle checks the device on every license of a bundle.
func (s *Service) CheckBundle(ctx context.Context, c Caller, in CheckInput) ([]*LicenseView, error) {
	fs, err := s.findBundle(ctx, c, in.Identity, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	views := make([]*LicenseView, len(fs))
	for i, f := range fs {
		device, err := s.checkOne(ctx, c, f, in, now)
		if err != nil {
			return nil, err
		}
		if views[i], err = s.view(ctx, f, device, true, now); err != nil {
			return nil, err
		}
	}
	return views, nil
}

// DeactivateBundle deactivates the device on every license of a bundle
// where it is active; it fails with device_not_found when it is active on
// none.
func (s *Service) DeactivateBundle(ctx context.Context, c Caller, id Identity, vars map[string]string) error {
	fs, err := s.findBundle(ctx, c, id, false)
	if err != nil {
		return err
	}
	now := s.now()
	return errTooManyVariables(s.store.WithTx(ctx, func(q *store.Queries) error {
		deactivated := 0
		for _, f := range fs {
			err := s.deactivateOne(ctx, q, c, f.license, id.HardwareID, vars, now)
			if pe, ok := problem.As(err); ok && pe.Code == problem.CodeDeviceNotFound {
				continue
			}
			if err != nil {
				return err
			}
			deactivated++
		}
		if deactivated == 0 {
			return problem.New(problem.CodeDeviceNotFound, "no active device with this hardware_id on the bundle")
		}
		return nil
	}))
}
