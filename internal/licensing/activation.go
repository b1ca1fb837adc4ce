package licensing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// ActivateInput is an activate_license request once decoded.
type ActivateInput struct {
	Identity
	Telemetry store.Telemetry
	Variables map[string]string
}

// Activate binds the request's device to the license (license-api.md §5.1).
// Activating an already active device succeeds without taking another slot.
// The limits (activations, per-user activations, transfers) are claimed with
// conditional updates inside one transaction, so concurrent activations can
// never pass them.
func (s *Service) Activate(ctx context.Context, c Caller, in ActivateInput) (*LicenseView, error) {
	f, err := s.findLicense(ctx, c, in.Identity, true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := s.activatable(ctx, c, f, in, now); err != nil {
		return nil, err
	}
	// The seat first, outside the transaction: a seat race lost is a
	// statement that matches nothing, which must not abort the activation
	// (PostgreSQL aborts a transaction at its first error). A seat taken
	// for an activation that then fails is given back.
	freshSeat, err := s.takeSeat(ctx, f.license, in.HardwareID, now)
	if err != nil {
		return nil, err
	}
	var device *store.Device
	err = s.store.WithTx(ctx, func(q *store.Queries) error {
		device, err = s.activateOne(ctx, q, c, f, in, now)
		return err
	})
	if err != nil {
		if freshSeat {
			_, _ = s.store.Writer().ReleaseSeat(context.WithoutCancel(ctx), f.license.ID, 0, in.HardwareID)
		}
		return nil, errTooManyVariables(err)
	}
	if f.license, err = s.store.Reader().License(ctx, c.CompanyID, f.license.ID); err != nil {
		return nil, err
	}
	return s.view(ctx, f, device, true, now)
}

// activatable runs the checks that come before claiming a slot.
func (s *Service) activatable(ctx context.Context, c Caller, f *found, in ActivateInput, now time.Time) error {
	if err := s.usable(ctx, c, f, in.HardwareID, now); err != nil {
		return err
	}
	if in.Telemetry.IsVM && (f.license.PreventVM || f.product.PreventVM) {
		return problem.New(problem.CodeVMNotAllowed, "activation on a virtual machine is not allowed for this license")
	}
	return nil
}

// activateOne switches the device on in transaction q and claims what a new
// activation costs.
func (s *Service) activateOne(ctx context.Context, q *store.Queries, c Caller, f *found, in ActivateInput, now time.Time) (*store.Device, error) {
	lic := f.license
	var userID *int64
	if f.user != nil {
		userID = &f.user.ID
	}
	deviceID, switched, err := q.ActivateDevice(ctx, lic.ID, userID, in.HardwareID, in.Telemetry, telemetryHash(in.Telemetry), now)
	if err != nil {
		return nil, err
	}
	if switched {
		ok, err := q.ClaimActivation(ctx, lic.ID, now)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, problem.Newf(problem.CodeLicenseActivatedMaxTimes, "the license is already active on its maximum of %d devices", lic.MaxActivations)
		}
		if f.user != nil {
			if ok, err = q.ClaimUserActivation(ctx, lic.ID, f.user.ID); err != nil {
				return nil, err
			}
			if !ok {
				return nil, problem.New(problem.CodeLicenseUserActivatedMaxTimes, "this license user has reached their maximum number of activations")
			}
		}
		moved, err := q.TakePendingTransfer(ctx, lic.ID, in.HardwareID)
		if err != nil {
			return nil, err
		}
		if moved {
			if ok, err = q.ClaimTransfer(ctx, lic.ID, now); err != nil {
				return nil, err
			}
			if !ok {
				return nil, problem.New(problem.CodeLicenseTransferredMaxTimes, "the license may not be transferred to another device again")
			}
		}
		if lic.ValidityPeriod == nil && lic.ValidDuration != "" {
			until, err := parseDuration(now, lic.ValidDuration)
			if err != nil {
				return nil, err
			}
			if err := q.StartValidity(ctx, lic.ID, until, now); err != nil {
				return nil, err
			}
		}
		if err := s.audit(ctx, q, c, "device.activated", lic.ID, map[string]any{"hardware_id": in.HardwareID, "device_id": deviceID}, now); err != nil {
			return nil, err
		}
	}
	for k, v := range in.Variables {
		if err := q.SetDeviceVariable(ctx, deviceID, k, v, now); err != nil {
			return nil, err
		}
	}
	return q.Device(ctx, lic.ID, in.HardwareID)
}

// Deactivate frees the device's slot (license-api.md §5.2). A deactivated
// device marks the license as open to a transfer.
func (s *Service) Deactivate(ctx context.Context, c Caller, id Identity, vars map[string]string) error {
	f, err := s.findLicense(ctx, c, id, false)
	if err != nil {
		return err
	}
	now := s.now()
	return errTooManyVariables(s.store.WithTx(ctx, func(q *store.Queries) error {
		return s.deactivateOne(ctx, q, c, f.license, id.HardwareID, vars, now)
	}))
}

func (s *Service) deactivateOne(ctx context.Context, q *store.Queries, c Caller, lic *store.License, hardwareID string, vars map[string]string, now time.Time) error {
	d, err := q.DeactivateDevice(ctx, lic.ID, hardwareID, now)
	if errors.Is(err, store.ErrNotFound) {
		return problem.New(problem.CodeDeviceNotFound, "no active device with this hardware_id on the license")
	}
	if err != nil {
		return err
	}
	if err := q.ReleaseActivation(ctx, lic.ID, now); err != nil {
		return err
	}
	if lic.IsFloatingCloud {
		if _, err := q.ReleaseSeat(ctx, lic.ID, 0, hardwareID); err != nil {
			return err
		}
	}
	if d.LicenseUserID != nil {
		if err := q.ReleaseUserActivation(ctx, lic.ID, *d.LicenseUserID); err != nil {
			return err
		}
	}
	for k, v := range vars {
		if err := q.SetDeviceVariable(ctx, d.ID, k, v, now); err != nil {
			return err
		}
	}
	return s.audit(ctx, q, c, "device.deactivated", lic.ID, map[string]any{"hardware_id": hardwareID, "device_id": d.ID}, now)
}

// CheckInput is a check_license request once decoded.
type CheckInput struct {
	Identity
	Telemetry store.Telemetry
}

// Check validates that the device is active on a usable license
// (license-api.md §5.3).
func (s *Service) Check(ctx context.Context, c Caller, in CheckInput) (*LicenseView, error) {
	f, err := s.findLicense(ctx, c, in.Identity, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	device, err := s.checkOne(ctx, c, f, in, now)
	if err != nil {
		return nil, err
	}
	if _, err := s.takeSeat(ctx, f.license, in.HardwareID, now); err != nil {
		return nil, err
	}
	return s.view(ctx, f, device, true, now)
}

// deviceSeenInterval is how stale a device's last_seen_at may grow before a
// check writes it again; checks are reads unless something changed.
const deviceSeenInterval = 5 * time.Minute

func (s *Service) checkOne(ctx context.Context, c Caller, f *found, in CheckInput, now time.Time) (*store.Device, error) {
	black, err := s.store.Reader().IsBlacklisted(ctx, c.CompanyID, in.HardwareID)
	if err != nil {
		return nil, err
	}
	if black {
		return nil, problem.New(problem.CodeBlacklisted, "this device is blacklisted")
	}
	if !f.license.Enabled {
		return nil, problem.New(problem.CodeLicenseNotEnabled, "the license is not enabled")
	}
	device, err := s.store.Reader().Device(ctx, f.license.ID, in.HardwareID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if device == nil || !device.IsActive {
		if f.license.TimesActivated == 0 {
			return nil, problem.New(problem.CodeLicenseNotActive, "the license is not active on any device")
		}
		return nil, problem.New(problem.CodeDeviceNotFound, "no active device with this hardware_id on the license")
	}
	if f.license.StartDate != nil && now.Before(*f.license.StartDate) {
		return nil, problem.Newf(problem.CodeLicenseNotActive, "the license is valid from %s", f.license.StartDate.Format(time.RFC3339))
	}
	if expired(f.license, now) {
		return nil, errExpired(f.license)
	}
	if h := telemetryHash(in.Telemetry); h != device.TelemetryHash || now.Sub(device.LastSeenAt) > deviceSeenInterval {
		if err := s.store.Writer().TouchDevice(ctx, device.ID, mergeTelemetry(device.Telemetry, in.Telemetry), h, now); err != nil {
			return nil, err
		}
		device.LastSeenAt = now
	}
	return device, nil
}

// mergeTelemetry keeps what a check did not report: checks send fewer
// fields than activations.
func mergeTelemetry(old, t store.Telemetry) store.Telemetry {
	keep := func(dst *string, src string) {
		if src != "" {
			*dst = src
		}
	}
	keep(&old.AppName, t.AppName)
	keep(&old.AppVer, t.AppVer)
	keep(&old.SDKVer, t.SDKVer)
	keep(&old.OSVer, t.OSVer)
	keep(&old.Hostname, t.Hostname)
	keep(&old.OSHostname, t.OSHostname)
	keep(&old.IP, t.IP)
	keep(&old.IPLocal, t.IPLocal)
	keep(&old.MACAddress, t.MACAddress)
	keep(&old.VMInfo, t.VMInfo)
	keep(&old.Channel, t.Channel)
	keep(&old.Env, t.Env)
	old.IsVM = old.IsVM || t.IsVM
	return old
}

// telemetryHash summarizes reported telemetry so that a check only writes
// when it changed.
func telemetryHash(t store.Telemetry) string {
	vm := "0"
	if t.IsVM {
		vm = "1"
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{t.AppName, t.AppVer, t.SDKVer, t.OSVer, t.Hostname, t.OSHostname,
		t.IP, t.IPLocal, t.MACAddress, t.VMInfo, t.Channel, t.Env, vm}, "\x00")))
	return hex.EncodeToString(sum[:8])
}

// audit records an action taken through the License API.
func (s *Service) audit(ctx context.Context, q *store.Queries, c Caller, action string, licenseID int64, details map[string]any, now time.Time) error {
	d, _ := json.Marshal(details)
	return q.InsertAuditEvent(ctx, store.AuditEvent{
		CompanyID:       &c.CompanyID,
		OccurredAt:      now,
		Action:          action,
		ActorType:       actorType(c),
		ActorID:         actorID(c),
		APICredentialID: credentialRef(c),
		OAuthClientID:   oauthRef(c),
		ClientIP:        c.ClientIP,
		SubjectType:     "license",
		SubjectID:       &licenseID,
		Details:         string(d),
	})
}

// The audit record of who called: an API credential or an OAuth client.
func actorType(c Caller) string {
	if c.OAuthClientID != 0 {
		return "oauth_client"
	}
	return "api_credential"
}

func actorID(c Caller) *int64 {
	if c.OAuthClientID != 0 {
		return &c.OAuthClientID
	}
	return &c.CredentialID
}

func credentialRef(c Caller) *int64 {
	if c.OAuthClientID != 0 || c.CredentialID == 0 {
		return nil
	}
	return &c.CredentialID
}

func oauthRef(c Caller) *int64 {
	if c.OAuthClientID == 0 {
		return nil
	}
	return &c.OAuthClientID
}
