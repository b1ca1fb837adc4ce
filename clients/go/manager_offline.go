package licensor

import (
	"fmt"
	"os"
)

// Offline activation through the Manager: write a request file, have it
// answered (the vendor runs `licensor offline activate --request FILE --out
// ANSWER`, or an upload page posts it to activate_offline), load the
// answer. The license file then holds the answer, and LocalCheck verifies
// it with the public key; no offline grace applies to it, since the device
// has no server to reach (validity period, enabled and active flags and
// the clock check still do). A later successful Check turns it into an
// online license file.

// WriteOfflineActivationRequest writes to path an offline activation
// request file for a key-based license on this device.
func (m *Manager) WriteOfflineActivationRequest(path, licenseKey string) error {
	return m.writeOfflineActivation(path, Identity{Product: m.product, HardwareID: m.hardwareID, LicenseKey: licenseKey})
}

// WriteOfflineUserActivationRequest writes to path an offline activation
// request file for a user-based license on this device. The file holds the
// password: hand it over as you would the password.
func (m *Manager) WriteOfflineUserActivationRequest(path, username, password string) error {
	return m.writeOfflineActivation(path, Identity{Product: m.product, HardwareID: m.hardwareID, Username: username, Password: password})
}

func (m *Manager) writeOfflineActivation(path string, id Identity) error {
	data, err := m.client.OfflineActivationRequest(id)
	if err != nil {
		return err
	}
	return writeRequestFile(path, data)
}

// LoadOfflineAnswer verifies the offline answer file at path (see
// Client.ReadOfflineAnswer) and stores it as the license file. Any failure
// is a *LocalLicenseError with CodeLicenseFileInvalid; the file is then
// left as it was.
func (m *Manager) LoadOfflineAnswer(path string) (*License, error) {
	invalid := func(msg string, err error) error {
		return &LocalLicenseError{Code: CodeLicenseFileInvalid, Message: path + ": " + msg, Err: err}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, invalid("cannot read the offline answer", err)
	}
	a, err := m.client.readOfflineAnswer(data, m.hardwareID, m.product)
	if err != nil {
		return nil, invalid("the offline answer does not verify", err)
	}
	id := Identity{Product: m.product, HardwareID: m.hardwareID, Username: a.identity}
	if a.license.LicenseKey != "" {
		id = Identity{Product: m.product, HardwareID: m.hardwareID, LicenseKey: a.identity}
	}
	contact := a.date
	if contact.IsZero() {
		contact = m.now()
	}
	if err := m.save(id, &signedLicenses{licenses: []*License{a.license}, body: a.body}, contact); err != nil {
		return nil, err
	}
	return a.license, nil
}

// WriteOfflineDeactivationRequest writes to path an offline deactivation
// request file for the stored license, carrying the pending local
// consumption, then removes the license file and clears the pending
// consumption: the device stops using the license now, and the request
// (once the vendor applies it) frees its slot on the server and counts the
// units.
func (m *Manager) WriteOfflineDeactivationRequest(path string) error {
	st, err := m.load()
	if err != nil {
		return err
	}
	m.syncMu.Lock()
	defer m.syncMu.Unlock()
	license, features := m.PendingConsumption()
	data, err := m.client.OfflineDeactivationRequest(st.request.identity(), license, features)
	if err != nil {
		return err
	}
	if err := writeRequestFile(path, data); err != nil {
		return err
	}
	m.settle("", license)
	for code, n := range features {
		m.settle(code, n)
	}
	if err := os.Remove(m.path); err != nil {
		return fmt.Errorf("licensor: remove license file: %w", err)
	}
	syncDir(dirOf(m.path))
	return nil
}

func writeRequestFile(path string, data []byte) error {
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("licensor: write offline request: %w", err)
	}
	return nil
}
