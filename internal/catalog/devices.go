package catalog

import (
	"context"
	"errors"

	"github.com/licensor/licensor/internal/store"
)

// Device is a license's device as the vendor sees it.
type Device struct {
	store.Device
	Blacklisted bool
}

// Device returns device id of the company, or not_found.
func (c *Catalog) Device(ctx context.Context, companyID, id int64) (*Device, error) {
	r := c.store.Reader()
	d, err := r.CompanyDevice(ctx, companyID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("device")
	}
	if err != nil {
		return nil, err
	}
	b, err := r.IsBlacklisted(ctx, companyID, d.HardwareID)
	if err != nil {
		return nil, err
	}
	return &Device{Device: *d, Blacklisted: b}, nil
}

// Devices lists a page of the company's devices that match f.
func (c *Catalog) Devices(ctx context.Context, companyID int64, f store.Filter, p store.Page) (int64, []*Device, error) {
	total, ids, err := c.store.Reader().DeviceIDs(ctx, companyID, f, p)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*Device, 0, len(ids))
	for _, id := range ids {
		d, err := c.Device(ctx, companyID, id)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, d)
	}
	return total, out, nil
}

// ResetDevice deactivates a device for the vendor, freeing its slot (its
// license's activation, its user's, its floating seat) without counting a
// transfer. An inactive device answers the same and nothing changes.
func (c *Catalog) ResetDevice(ctx context.Context, a Actor, id int64) error {
	if _, err := c.Device(ctx, a.CompanyID, id); err != nil {
		return err
	}
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		d, err := c.deactivate(ctx, q, id)
		if err != nil || d == nil {
			return err
		}
		return c.audit(ctx, q, a, "device.reset", "device", id, map[string]any{"license_id": d.LicenseID, "hardware_id": d.HardwareID})
	})
}

// deactivate switches an active device off in q and frees what it held;
// nil when it was not active.
func (c *Catalog) deactivate(ctx context.Context, q *store.Queries, id int64) (*store.Device, error) {
	now := c.now()
	d, err := q.ResetDevice(ctx, id, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := q.ReleaseActivation(ctx, d.LicenseID, now); err != nil {
		return nil, err
	}
	if _, err := q.ReleaseSeat(ctx, d.LicenseID, 0, d.HardwareID); err != nil {
		return nil, err
	}
	if d.LicenseUserID != nil {
		if err := q.ReleaseUserActivation(ctx, d.LicenseID, *d.LicenseUserID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// BlacklistDevice puts a device's hardware id on the company's blacklist
// and deactivates every active device with it (management-api.md §5.17).
func (c *Catalog) BlacklistDevice(ctx context.Context, a Actor, id int64, reason string) error {
	d, err := c.Device(ctx, a.CompanyID, id)
	if err != nil {
		return err
	}
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		if err := q.BlacklistDeviceIfAbsent(ctx, a.CompanyID, d.HardwareID, reason, c.now()); err != nil {
			return err
		}
		ids, err := q.ActiveDeviceIDs(ctx, a.CompanyID, d.HardwareID)
		if err != nil {
			return err
		}
		for _, other := range ids {
			if _, err := c.deactivate(ctx, q, other); err != nil {
				return err
			}
		}
		return c.audit(ctx, q, a, "device.blacklisted", "device", id, map[string]any{"hardware_id": d.HardwareID, "deactivated": len(ids)})
	})
}

// UnblacklistDevice takes a device's hardware id off the blacklist; its
// devices stay inactive.
func (c *Catalog) UnblacklistDevice(ctx context.Context, a Actor, id int64) error {
	d, err := c.Device(ctx, a.CompanyID, id)
	if err != nil {
		return err
	}
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		if err := q.UnblacklistDevice(ctx, a.CompanyID, d.HardwareID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return c.audit(ctx, q, a, "device.unblacklisted", "device", id, map[string]any{"hardware_id": d.HardwareID})
	})
}

// ResetLicense deactivates every active device of a license for the
// vendor and sets its activation and transfer counters (and its users') to
// 0; consumption is untouched (management-api.md §5.7).
func (c *Catalog) ResetLicense(ctx context.Context, a Actor, id int64) error {
	if err := c.LicenseExists(ctx, a.CompanyID, id); err != nil {
		return err
	}
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		ids, err := q.ActiveDeviceIDsOf(ctx, id)
		if err != nil {
			return err
		}
		for _, d := range ids {
			if _, err := c.deactivate(ctx, q, d); err != nil {
				return err
			}
		}
		if err := q.ResetLicenseCounters(ctx, id, c.now()); err != nil {
			return err
		}
		return c.audit(ctx, q, a, "license.reset", "license", id, map[string]any{"deactivated": len(ids)})
	})
}

// DeviceVariables lists a page of the company's device variables matching f.
func (c *Catalog) DeviceVariables(ctx context.Context, companyID int64, f store.Filter, p store.Page) (int64, []store.VariableRow, error) {
	return c.store.Reader().DeviceVariablesPage(ctx, companyID, f, p)
}
