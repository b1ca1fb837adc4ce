package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Telemetry is what a client reports about its device (license-api.md §1).
type Telemetry struct {
	AppName, AppVer, SDKVer, OSVer, Hostname, OSHostname string
	IP, IPLocal, MACAddress, VMInfo, Channel, Env        string
	IsVM                                                 bool
}

// Device is one (license, hardware_id) pair.
type Device struct {
	ID              int64
	LicenseID       int64
	LicenseUserID   *int64
	HardwareID      string
	IsActive        bool
	ActivatedAt     time.Time
	DeactivatedAt   *time.Time
	LastSeenAt      time.Time
	TransferPending bool
	TelemetryHash   string
	Telemetry
}

const deviceColumns = `id, license_id, license_user_id, hardware_id, is_active, activated_at, deactivated_at, last_seen_at,
	transfer_pending, telemetry_hash, app_name, app_ver, sdk_ver, os_ver, hostname, os_hostname, ip, ip_local,
	mac_address, is_vm, vm_info, channel, env`

func scanDevice(row interface{ Scan(...any) error }) (*Device, error) {
	var d Device
	var user, deactivated sql.NullInt64
	var activated, seen int64
	t := &d.Telemetry
	err := row.Scan(&d.ID, &d.LicenseID, &user, &d.HardwareID, &d.IsActive, &activated, &deactivated, &seen,
		&d.TransferPending, &d.TelemetryHash, &t.AppName, &t.AppVer, &t.SDKVer, &t.OSVer, &t.Hostname, &t.OSHostname,
		&t.IP, &t.IPLocal, &t.MACAddress, &t.IsVM, &t.VMInfo, &t.Channel, &t.Env)
	if err != nil {
		return nil, err
	}
	d.LicenseUserID, d.DeactivatedAt = ptr(user), timePtr(deactivated)
	d.ActivatedAt, d.LastSeenAt = fromMS(activated), fromMS(seen)
	return &d, nil
}

// Device returns the license's device with hardwareID, active or not.
func (q *Queries) Device(ctx context.Context, licenseID int64, hardwareID string) (*Device, error) {
	d, err := scanDevice(q.db.QueryRowContext(ctx,
		`SELECT `+deviceColumns+` FROM devices WHERE license_id = $1 AND hardware_id = $2`, licenseID, hardwareID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("device: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	return d, nil
}

// ActiveDevicesByHardware lists the active devices with hardwareID on the
// company's licenses.
func (q *Queries) ActiveDevicesByHardware(ctx context.Context, companyID int64, hardwareID string) ([]Device, error) {
	rows, err := q.db.QueryContext(ctx,
		`SELECT `+prefixed("d.", deviceColumns)+` FROM devices d JOIN licenses l ON l.id = d.license_id
		 WHERE d.hardware_id = $1 AND d.is_active AND l.company_id = $2 ORDER BY d.license_id`, hardwareID, companyID)
	if err != nil {
		return nil, fmt.Errorf("devices by hardware id: %w", err)
	}
	return collect(rows, scanDevice)
}

// ActivateDevice makes (license, hardware_id) active, creating the device on
// first activation. switched reports whether it was inactive before: only
// then does the activation take a slot. The switch is one conditional
// statement, so of two concurrent activations of one device only one
// switches it.
func (q *Queries) ActivateDevice(ctx context.Context, licenseID int64, userID *int64, hardwareID string, t Telemetry, hash string, now time.Time) (deviceID int64, switched bool, err error) {
	err = q.db.QueryRowContext(ctx,
		`INSERT INTO devices (license_id, license_user_id, hardware_id, is_active, activated_at, last_seen_at,
			telemetry_hash, app_name, app_ver, sdk_ver, os_ver, hostname, os_hostname, ip, ip_local, mac_address,
			is_vm, vm_info, channel, env, created_at, updated_at)
		 VALUES ($1, $2, $3, TRUE, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $4, $4)
		 ON CONFLICT (license_id, hardware_id) DO NOTHING RETURNING id`,
		licenseID, nullInt(userID), hardwareID, ms(now), hash, t.AppName, t.AppVer, t.SDKVer, t.OSVer, t.Hostname,
		t.OSHostname, t.IP, t.IPLocal, t.MACAddress, t.IsVM, t.VMInfo, t.Channel, t.Env).Scan(&deviceID)
	if err == nil {
		return deviceID, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("activate device: %w", err)
	}
	// The device exists: switch it on if it was off.
	err = q.db.QueryRowContext(ctx,
		`UPDATE devices SET is_active = TRUE, license_user_id = $3, activated_at = $4, deactivated_at = NULL,
			last_seen_at = $4, telemetry_hash = $5, app_name = $6, app_ver = $7, sdk_ver = $8, os_ver = $9,
			hostname = $10, os_hostname = $11, ip = $12, ip_local = $13, mac_address = $14, is_vm = $15,
			vm_info = $16, channel = $17, env = $18, updated_at = $4
		 WHERE license_id = $1 AND hardware_id = $2 AND NOT is_active RETURNING id`,
		licenseID, hardwareID, nullInt(userID), ms(now), hash, t.AppName, t.AppVer, t.SDKVer, t.OSVer, t.Hostname,
		t.OSHostname, t.IP, t.IPLocal, t.MACAddress, t.IsVM, t.VMInfo, t.Channel, t.Env).Scan(&deviceID)
	if err == nil {
		return deviceID, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("reactivate device: %w", err)
	}
	// Already active: re-activation is idempotent; refresh what it reports.
	d, err := q.Device(ctx, licenseID, hardwareID)
	if err != nil {
		return 0, false, err
	}
	return d.ID, false, q.TouchDevice(ctx, d.ID, t, hash, now)
}

// TouchDevice records that an active device was seen, with its telemetry.
func (q *Queries) TouchDevice(ctx context.Context, deviceID int64, t Telemetry, hash string, now time.Time) error {
	_, err := q.db.ExecContext(ctx,
		`UPDATE devices SET last_seen_at = $2, telemetry_hash = $3, app_name = $4, app_ver = $5, sdk_ver = $6,
			os_ver = $7, hostname = $8, os_hostname = $9, ip = $10, ip_local = $11, mac_address = $12, is_vm = $13,
			vm_info = $14, channel = $15, env = $16, updated_at = $2
		 WHERE id = $1`,
		deviceID, ms(now), hash, t.AppName, t.AppVer, t.SDKVer, t.OSVer, t.Hostname, t.OSHostname, t.IP, t.IPLocal,
		t.MACAddress, t.IsVM, t.VMInfo, t.Channel, t.Env)
	if err != nil {
		return fmt.Errorf("touch device: %w", err)
	}
	return nil
}

// DeactivateDevice switches an active device off and marks the license as
// open to a transfer. It returns the device, or ErrNotFound when no active
// device has hardwareID.
func (q *Queries) DeactivateDevice(ctx context.Context, licenseID int64, hardwareID string, now time.Time) (*Device, error) {
	d, err := scanDevice(q.db.QueryRowContext(ctx,
		`UPDATE devices SET is_active = FALSE, deactivated_at = $3, transfer_pending = TRUE, updated_at = $3
		 WHERE license_id = $1 AND hardware_id = $2 AND is_active RETURNING `+deviceColumns,
		licenseID, hardwareID, ms(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("active device: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("deactivate device: %w", err)
	}
	return d, nil
}

// TakePendingTransfer reports whether activating hardwareID moves the license
// from a device deactivated earlier (a transfer), and clears that mark. It
// also clears the mark of hardwareID itself: coming back to the same device
// is no transfer.
func (q *Queries) TakePendingTransfer(ctx context.Context, licenseID int64, hardwareID string) (bool, error) {
	if _, err := q.db.ExecContext(ctx,
		`UPDATE devices SET transfer_pending = FALSE WHERE license_id = $1 AND hardware_id = $2`, licenseID, hardwareID); err != nil {
		return false, fmt.Errorf("clear transfer mark: %w", err)
	}
	return q.conditional(ctx, "take transfer mark",
		`UPDATE devices SET transfer_pending = FALSE
		 WHERE id = (SELECT id FROM devices WHERE license_id = $1 AND transfer_pending ORDER BY deactivated_at DESC, id DESC LIMIT 1)`,
		licenseID)
}

// IsBlacklisted reports whether the company blacklisted hardwareID.
func (q *Queries) IsBlacklisted(ctx context.Context, companyID int64, hardwareID string) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx,
		`SELECT count(*) FROM device_blacklist WHERE company_id = $1 AND hardware_id = $2`, companyID, hardwareID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("blacklist: %w", err)
	}
	return n > 0, nil
}

// BlacklistDevice adds hardwareID to the company's blacklist; listing it twice
// is ErrConflict.
func (q *Queries) BlacklistDevice(ctx context.Context, companyID int64, hardwareID, reason string, now time.Time) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO device_blacklist (company_id, hardware_id, reason, created_at) VALUES ($1, $2, $3, $4)`,
		companyID, hardwareID, reason, ms(now))
	if isUniqueViolation(err) {
		return fmt.Errorf("blacklist %q: %w", hardwareID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("blacklist device: %w", err)
	}
	return nil
}

// UnblacklistDevice removes hardwareID from the blacklist.
func (q *Queries) UnblacklistDevice(ctx context.Context, companyID int64, hardwareID string) error {
	ok, err := q.conditional(ctx, "unblacklist device",
		`DELETE FROM device_blacklist WHERE company_id = $1 AND hardware_id = $2`, companyID, hardwareID)
	if err == nil && !ok {
		return fmt.Errorf("blacklisted device %q: %w", hardwareID, ErrNotFound)
	}
	return err
}

// DeviceVariable is a key/value pair a device reported.
type DeviceVariable struct {
	ID        int64
	DeviceID  int64
	Variable  string
	Value     string
	CreatedAt time.Time
}

// MaxDeviceVariables bounds the variables one device keeps: clients name
// them, so without a bound one device could grow the table without end.
const MaxDeviceVariables = 256

// ErrTooManyVariables is returned (wrapped) when a new variable would pass
// MaxDeviceVariables.
var ErrTooManyVariables = errors.New("store: too many device variables")

// SetDeviceVariable stores or replaces one variable of a device. Call it in
// a transaction: writers of one device's variables queue on the device's
// row, so that concurrent requests, on any instance, cannot pass the bound
// between counting and inserting.
func (q *Queries) SetDeviceVariable(ctx context.Context, deviceID int64, variable, value string, now time.Time) error {
	if _, err := q.db.ExecContext(ctx, `UPDATE devices SET updated_at = updated_at WHERE id = $1`, deviceID); err != nil {
		return fmt.Errorf("set device variable: %w", err)
	}
	res, err := q.db.ExecContext(ctx,
		`INSERT INTO device_variables (device_id, variable, value, created_at, updated_at)
		 SELECT $1, $2, $3, $4, $4
		 WHERE (SELECT count(*) FROM device_variables WHERE device_id = $1 AND variable <> $2) < $5
		 ON CONFLICT (device_id, variable) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		deviceID, variable, value, ms(now), MaxDeviceVariables)
	if err != nil {
		return fmt.Errorf("set device variable: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("device %d: %w", deviceID, ErrTooManyVariables)
	}
	return nil
}

// DeviceVariables lists a device's variables by name.
func (q *Queries) DeviceVariables(ctx context.Context, deviceID int64) ([]DeviceVariable, error) {
	rows, err := q.db.QueryContext(ctx,
		`SELECT id, device_id, variable, value, created_at FROM device_variables WHERE device_id = $1 ORDER BY variable`, deviceID)
	if err != nil {
		return nil, fmt.Errorf("device variables: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*DeviceVariable, error) {
		var v DeviceVariable
		var created int64
		if err := r.Scan(&v.ID, &v.DeviceID, &v.Variable, &v.Value, &created); err != nil {
			return nil, err
		}
		v.CreatedAt = fromMS(created)
		return &v, nil
	})
}

// CompanyDevice returns device id if it belongs to a license of the
// company, or ErrNotFound.
func (q *Queries) CompanyDevice(ctx context.Context, companyID, id int64) (*Device, error) {
	d, err := scanDevice(q.db.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM devices
		 WHERE id = $1 AND license_id IN (SELECT id FROM licenses WHERE company_id = $2)`, id, companyID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("device %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	return d, nil
}

// ResetDevice deactivates an active device for the vendor: unlike a
// License API deactivation it marks no transfer (management-api.md
// §5.17). An inactive device is ErrNotFound.
func (q *Queries) ResetDevice(ctx context.Context, id int64, now time.Time) (*Device, error) {
	d, err := scanDevice(q.db.QueryRowContext(ctx,
		`UPDATE devices SET is_active = FALSE, deactivated_at = $2, transfer_pending = FALSE, updated_at = $2
		 WHERE id = $1 AND is_active RETURNING `+deviceColumns, id, ms(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("active device %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reset device: %w", err)
	}
	return d, nil
}

// ActiveDeviceIDs lists the company's active devices with hardwareID.
func (q *Queries) ActiveDeviceIDs(ctx context.Context, companyID int64, hardwareID string) ([]int64, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id FROM devices WHERE hardware_id = $1 AND is_active
		 AND license_id IN (SELECT id FROM licenses WHERE company_id = $2) ORDER BY id`, hardwareID, companyID)
	if err != nil {
		return nil, fmt.Errorf("active devices: %w", err)
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

// BlacklistDeviceIfAbsent is BlacklistDevice that does nothing when
// hardwareID is listed already (no failed statement, which would abort a
// PostgreSQL transaction).
func (q *Queries) BlacklistDeviceIfAbsent(ctx context.Context, companyID int64, hardwareID, reason string, now time.Time) error {
	_, err := q.db.ExecContext(ctx,
		`INSERT INTO device_blacklist (company_id, hardware_id, reason, created_at) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (company_id, hardware_id) DO NOTHING`, companyID, hardwareID, reason, ms(now))
	if err != nil {
		return fmt.Errorf("blacklist device: %w", err)
	}
	return nil
}
