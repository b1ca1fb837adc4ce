package licensor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// DefaultOfflineGrace is how long, by default, a Manager accepts its license
// file without reaching the server.
const DefaultOfflineGrace = 7 * 24 * time.Hour

// ErrNotUserBased is returned by [Manager.ChangePassword] when the stored
// license was activated with a license key.
var ErrNotUserBased = errors.New("licensor: the stored license is not user-based")

// ManagerConfig configures a [Manager]. Client, Product and LicenseFile are
// required.
type ManagerConfig struct {
	// Client talks to the server; its public key also verifies the file.
	Client *Client
	// Product is the product short code.
	Product string
	// HardwareID identifies this device; "" means HardwareID(Product).
	HardwareID string
	// LicenseFile is where the activated license is kept. Its directory is
	// created if needed; the file is written with mode 0600.
	LicenseFile string
	// OfflineGrace is how long after the last server contact the file alone
	// is accepted; 0 means DefaultOfflineGrace.
	OfflineGrace time.Duration
	// Now is the clock; nil means time.Now. For tests.
	Now func() time.Time
}

// Manager is what an application embeds: it activates a license on this
// device, keeps it in a license file that verifies offline, checks it
// online, and falls back to the file when the server cannot be reached. It
// is safe for concurrent use, but not by several processes on one file at
// once.
type Manager struct {
	// mu guards the pending local consumption; syncMu is held while it is
	// sent, so that two syncs (Check and a floating keep-alive) never send
	// the same units.
	mu       sync.Mutex
	syncMu   sync.Mutex
	pending  int64
	features map[string]int64

	client     *Client
	product    string
	hardwareID string
	path       string
	grace      time.Duration
	now        func() time.Time
}

// CheckResult is the answer of [Manager.Check].
type CheckResult struct {
	// License is the checked license.
	License *License
	// Offline is set when the server could not be reached and License comes
	// from the license file.
	Offline bool
	// LastServerContact is when the server last confirmed the license.
	LastServerContact time.Time
	// ConsumptionError is the server's first refusal of the pending local
	// consumption sent before this check (a *ConsumptionError, see
	// SyncConsumption); the refused units stay pending. It is nil when
	// every pending unit was accepted.
	ConsumptionError error
}

// NewManager checks cfg and returns a Manager.
func NewManager(cfg ManagerConfig) (*Manager, error) {
	if cfg.Client == nil || cfg.Product == "" || cfg.LicenseFile == "" {
		return nil, errors.New("licensor: ManagerConfig.Client, Product and LicenseFile are required")
	}
	m := &Manager{client: cfg.Client, product: cfg.Product, hardwareID: cfg.HardwareID, path: cfg.LicenseFile,
		grace: cfg.OfflineGrace, now: cfg.Now}
	if m.hardwareID == "" {
		id, err := HardwareID(cfg.Product)
		if err != nil {
			return nil, err
		}
		m.hardwareID = id
	}
	if m.grace <= 0 {
		m.grace = DefaultOfflineGrace
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m, nil
}

// HardwareID is the hardware id this Manager sends.
func (m *Manager) HardwareID() string { return m.hardwareID }

// Activate activates a key-based license on this device and writes the
// license file.
func (m *Manager) Activate(ctx context.Context, licenseKey string) (*License, error) {
	return m.activate(ctx, Identity{Product: m.product, HardwareID: m.hardwareID, LicenseKey: licenseKey})
}

// ActivateUser activates a user-based license on this device with the
// user's credentials and writes the license file. The password is not
// stored.
func (m *Manager) ActivateUser(ctx context.Context, username, password string) (*License, error) {
	return m.activate(ctx, Identity{Product: m.product, HardwareID: m.hardwareID, Username: username, Password: password})
}

func (m *Manager) activate(ctx context.Context, id Identity) (*License, error) {
	a, err := m.client.activate(ctx, "activate_license", id, false)
	if err != nil {
		return nil, err
	}
	if err := m.save(id, a, m.now()); err != nil {
		return nil, err
	}
	return a.licenses[0], nil
}

// save writes a verified answer as the license file.
func (m *Manager) save(id Identity, a *signedLicenses, contact time.Time) error {
	id.Password = ""
	data, err := encodeLicenseFile(id, a.body, a.header, contact)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(m.path, data); err != nil {
		return fmt.Errorf("licensor: write license file: %w", err)
	}
	return nil
}

// Check sends the pending local consumption (see SyncConsumption), then
// checks the stored license with the server and, on success, rewrites the
// license file with the answer. When the server cannot be reached (a
// *NetworkError) it falls back to LocalCheck and sets Offline; the
// LocalLicenseError of a failed fallback wraps the NetworkError. Every other
// error (the license was disabled, expired, an answer failed verification)
// is returned as it is, without fallback. Units the server refused are not
// an error of Check: they stay pending and the first refusal is in
// CheckResult.ConsumptionError.
func (m *Manager) Check(ctx context.Context) (*CheckResult, error) {
	st, err := m.load()
	if err != nil {
		return nil, err
	}
	r, refused, err := m.checkOnline(ctx, st.request.identity())
	if err == nil {
		return r, nil
	}
	var ne *NetworkError
	if !errors.As(err, &ne) || ctx.Err() != nil {
		return nil, err
	}
	l, lerr := m.LocalCheck()
	if lerr != nil {
		var le *LocalLicenseError
		if errors.As(lerr, &le) && le.Err == nil {
			le.Err = err
		}
		return nil, lerr
	}
	return &CheckResult{License: l, Offline: true, LastServerContact: st.lastContact, ConsumptionError: refused}, nil
}

// checkOnline syncs the pending consumption, checks the license online and
// rewrites the license file: Check without the fallback. The first
// refusal of the consumption (nil if none) comes back also when it fails.
func (m *Manager) checkOnline(ctx context.Context, id Identity) (r *CheckResult, refused, err error) {
	refused, err = m.syncConsumption(ctx, id)
	if err != nil {
		return nil, refused, err
	}
	a, err := m.client.check(ctx, "check_license", id, CheckOptions{}, false)
	if err != nil {
		return nil, refused, err
	}
	now := m.now()
	if err := m.save(id, a, now); err != nil {
		return nil, refused, err
	}
	return &CheckResult{License: a.licenses[0], LastServerContact: now, ConsumptionError: refused}, refused, nil
}

// Deactivate deactivates the stored license on the server, then removes the
// license file.
func (m *Manager) Deactivate(ctx context.Context) error {
	st, err := m.load()
	if err != nil {
		return err
	}
	if err := m.client.DeactivateLicense(ctx, st.request.identity()); err != nil {
		return err
	}
	if err := os.Remove(m.path); err != nil {
		return fmt.Errorf("licensor: remove license file: %w", err)
	}
	syncDir(dirOf(m.path))
	return nil
}

// Feature is a feature of the stored license, which must pass LocalCheck.
// A feature the license lacks, or has only past its expiry date, is a
// LocalLicenseError with CodeFeatureNotFound.
func (m *Manager) Feature(code string) (*Feature, error) {
	l, err := m.LocalCheck()
	if err != nil {
		return nil, err
	}
	now := m.now()
	for i := range l.Features {
		if f := &l.Features[i]; f.Code == code && !f.Expired(now) {
			return f, nil
		}
	}
	return nil, &LocalLicenseError{Code: CodeFeatureNotFound, Message: "the license has no feature " + code}
}

// HasFeature reports whether the stored license passes LocalCheck and has
// the feature, not expired.
func (m *Manager) HasFeature(code string) bool {
	_, err := m.Feature(code)
	return err == nil
}

// ChangePassword changes the password of the stored license's user (a
// user-based license); ErrNotUserBased for a key-based one.
func (m *Manager) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	st, err := m.load()
	if err != nil {
		return err
	}
	if st.request.Username == "" {
		return ErrNotUserBased
	}
	return m.client.ChangePassword(ctx, st.request.Username, oldPassword, newPassword)
}
