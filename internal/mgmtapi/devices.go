package mgmtapi

import (
	"net/http"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/store"
)

// deviceRoutes are management-api.md §5.17.
func (a *API) deviceRoutes() []route {
	return []route{
		r(http.MethodGet, "devices", a.listDevices),
		r(http.MethodGet, "devices/{id}", a.getDevice),
		r(http.MethodPost, "devices/{id}/reset", a.resetDevice),
		r(http.MethodPost, "devices/{id}/blacklist", a.blacklistDevice),
		r(http.MethodPost, "devices/{id}/unblacklist", a.unblacklistDevice),
	}
}

// deviceJSON is the Device of §4.9.
type deviceJSON struct {
	ID            int64   `json:"id"`
	License       int64   `json:"license"`
	LicenseUser   *int64  `json:"license_user"`
	HardwareID    string  `json:"hardware_id"`
	IsActive      bool    `json:"is_active"`
	Blacklisted   bool    `json:"blacklisted"`
	ActivatedAt   string  `json:"activated_at"`
	DeactivatedAt *string `json:"deactivated_at"`
	LastCheckAt   string  `json:"last_check_at"`
	Hostname      string  `json:"hostname"`
	OSHostname    string  `json:"os_hostname"`
	OSVer         string  `json:"os_ver"`
	AppName       string  `json:"app_name"`
	AppVer        string  `json:"app_ver"`
	SDKVer        string  `json:"sdk_ver"`
	IP            string  `json:"ip"`
	IPLocal       string  `json:"ip_local"`
	MACAddress    string  `json:"mac_address"`
	IsVM          bool    `json:"is_vm"`
	VMInfo        string  `json:"vm_info"`
	Channel       string  `json:"channel"`
	Env           string  `json:"env"`
}

func newDevice(d *catalog.Device) deviceJSON {
	t := d.Telemetry
	return deviceJSON{ID: d.ID, License: d.LicenseID, LicenseUser: d.LicenseUserID, HardwareID: d.HardwareID, IsActive: d.IsActive,
		Blacklisted: d.Blacklisted, ActivatedAt: ts(d.ActivatedAt), DeactivatedAt: tsPtr(d.DeactivatedAt), LastCheckAt: ts(d.LastSeenAt),
		Hostname: t.Hostname, OSHostname: t.OSHostname, OSVer: t.OSVer, AppName: t.AppName, AppVer: t.AppVer, SDKVer: t.SDKVer,
		IP: t.IP, IPLocal: t.IPLocal, MACAddress: t.MACAddress, IsVM: t.IsVM, VMInfo: t.VMInfo, Channel: t.Channel, Env: t.Env}
}

var deviceFilters = []filterSpec{
	{"license", id("t.license_id = ?")},
	{"license_user", id("t.license_user_id = ?")},
	{"hardware_id", text("t.hardware_id = ?")},
	{"hardware_id__icontains", contains("t.hardware_id")},
	{"hostname", text("t.hostname = ?")},
	{"hostname__icontains", contains("t.hostname")},
	{"is_active", boolean("t.is_active = ?")},
	{"blacklisted", boolean(`(t.hardware_id IN (SELECT b.hardware_id FROM device_blacklist b JOIN licenses l ON l.company_id = b.company_id
		WHERE l.id = t.license_id)) = ?`)},
	{"last_check_at__gte", date("t.last_seen_at >= ?")},
	{"last_check_at__lt", date("t.last_seen_at < ?")},
}

// deviceOrders maps order_by names to device columns.
var deviceOrders = []string{"id", "activated_at", "last_check_at"}

func (a *API) listDevices(c *call) error {
	columns := map[string]string{"last_check_at": "last_seen_at"}
	return a.list(c, deviceOrders, "id", columns, deviceFilters, func(f store.Filter, p store.Page) (int64, []any, error) {
		total, ds, err := a.cat.Devices(c.r.Context(), c.principal.CompanyID, f, p)
		out := make([]any, len(ds))
		for i, d := range ds {
			out[i] = newDevice(d)
		}
		return total, out, err
	})
}

func (a *API) getDevice(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	d, err := a.cat.Device(c.r.Context(), c.principal.CompanyID, c.ids[0])
	if err != nil {
		return err
	}
	return a.writeJSON(c.w, newDevice(d))
}

func (a *API) resetDevice(c *call) error {
	if err := a.deviceFirst(c); err != nil {
		return err
	}
	if err := noInput(c.r); err != nil {
		return err
	}
	if err := a.cat.ResetDevice(c.r.Context(), a.actor(c), c.ids[0]); err != nil {
		return err
	}
	return a.message(c.w, "Device reset.")
}

func (a *API) blacklistDevice(c *call) error {
	if err := a.deviceFirst(c); err != nil {
		return err
	}
	reason := ""
	if c.r.ContentLength != 0 {
		m, err := optionalObject(c.r)
		if err != nil {
			return err
		}
		f := newFields(m, "")
		if reason, _, err = f.str("reason", 255); err != nil {
			return err
		}
		if err := f.done(); err != nil {
			return err
		}
	}
	if err := a.cat.BlacklistDevice(c.r.Context(), a.actor(c), c.ids[0], reason); err != nil {
		return err
	}
	return a.message(c.w, "Device blacklisted.")
}

func (a *API) unblacklistDevice(c *call) error {
	if err := a.deviceFirst(c); err != nil {
		return err
	}
	if err := noInput(c.r); err != nil {
		return err
	}
	if err := a.cat.UnblacklistDevice(c.r.Context(), a.actor(c), c.ids[0]); err != nil {
		return err
	}
	return a.message(c.w, "Device removed from the blacklist.")
}

// deviceFirst checks the query and that the path's device exists, before
// a body is read (management-api.md §1.11).
func (a *API) deviceFirst(c *call) error {
	if err := noQuery(c.r); err != nil {
		return err
	}
	_, err := a.cat.Device(c.r.Context(), c.principal.CompanyID, c.ids[0])
	return err
}
