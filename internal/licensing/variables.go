package licensing

import (
	"context"
	"errors"
	"slices"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// errTooManyVariables maps the store's bound on a device's variables.
func errTooManyVariables(err error) error {
	if errors.Is(err, store.ErrTooManyVariables) {
		return problem.Newf(problem.CodeValidationError, "variables: a device keeps at most %d variables", store.MaxDeviceVariables)
	}
	return err
}

// TrackDeviceVariables stores variables of a device active on the license
// (license-api.md §5.11) and returns them as stored, by name. Values are
// strings; a name already stored gets the new value.
func (s *Service) TrackDeviceVariables(ctx context.Context, c Caller, id Identity, vars map[string]string) ([]store.DeviceVariable, error) {
	if err := requireIdentity(id, false); err != nil {
		return nil, err
	}
	if vars == nil {
		return nil, missing("variables")
	}
	device, err := s.variablesDevice(ctx, c, id)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	slices.Sort(names) // one order for every writer of the device
	now := s.now()
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		for _, k := range names {
			if err := q.SetDeviceVariable(ctx, device.ID, k, vars[k], now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, errTooManyVariables(err)
	}
	all, err := s.store.Reader().DeviceVariables(ctx, device.ID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, v := range all {
		if _, sent := vars[v.Variable]; sent {
			out = append(out, v)
		}
	}
	return out, nil
}

// DeviceVariables lists the variables of a device active on the license
// (license-api.md §5.11), by name.
func (s *Service) DeviceVariables(ctx context.Context, c Caller, id Identity) ([]store.DeviceVariable, error) {
	if err := requireIdentity(id, false); err != nil {
		return nil, err
	}
	device, err := s.variablesDevice(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return s.store.Reader().DeviceVariables(ctx, device.ID)
}

// variablesDevice finds the request's device as a check would: active on a
// usable license.
func (s *Service) variablesDevice(ctx context.Context, c Caller, id Identity) (*store.Device, error) {
	id.Password = ""
	f, err := s.findLicense(ctx, c, id, false)
	if err != nil {
		return nil, err
	}
	return s.checkOne(ctx, c, f, CheckInput{Identity: id}, s.now())
}
