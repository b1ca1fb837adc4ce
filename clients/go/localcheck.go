package licensor

import (
	"path/filepath"
	"time"
)

// clockSkew is how far the clock may be behind the last server contact
// before LocalCheck calls it set back.
const clockSkew = 5 * time.Minute

// load reads and verifies the license file and checks that it belongs to
// this Manager: the first four checks of LocalCheck.
func (m *Manager) load() (*storedLicense, error) {
	st, err := m.client.readLicenseFile(m.path)
	if err != nil {
		return nil, err
	}
	if st.request.HardwareID != m.hardwareID {
		return nil, &LocalLicenseError{Code: CodeHardwareIDMismatch,
			Message: "the license file was activated on another device"}
	}
	// The request's product is not signed; the answer's short code is.
	if st.request.Product != m.product || (st.license.ProductCode != "" && st.license.ProductCode != m.product) {
		return nil, &LocalLicenseError{Code: CodeProductMismatch,
			Message: "the license file is for product " + st.request.Product + ", not " + m.product}
	}
	return st, nil
}

// LocalCheck validates the license file without the server and returns its
// license. Each failure is a *LocalLicenseError; the checks, in order:
//
//   - CodeLicenseFileMissing: there is no file;
//   - CodeLicenseFileInvalid: it is unreadable, or a signature is wrong;
//   - CodeHardwareIDMismatch, CodeProductMismatch: it is another device's,
//     or another product's;
//   - CodeLicenseNotEnabled, CodeLicenseNotActive: the license was disabled
//     or not active when the server last answered;
//   - CodeLicenseExpired: now ≥ validity_period (plus grace_period hours
//     when allow_grace_period);
//   - CodeClockTampered: now is more than 5 minutes before the last server
//     contact;
//   - CodeOfflineGraceExpired: the last server contact is more than the
//     offline grace ago (not for a license activated offline, which has
//     no server to reach: LoadOfflineAnswer).
func (m *Manager) LocalCheck() (*License, error) {
	st, err := m.load()
	if err != nil {
		return nil, err
	}
	l, now := st.license, m.now()
	switch {
	case !l.Enabled:
		return nil, &LocalLicenseError{Code: CodeLicenseNotEnabled, Message: "the license is disabled"}
	case !l.Active:
		return nil, &LocalLicenseError{Code: CodeLicenseNotActive, Message: "the license is not active"}
	}
	if end, ok := expiry(l); ok && !now.Before(end) {
		return nil, &LocalLicenseError{Code: CodeLicenseExpired, Message: "the license expired at " + end.UTC().Format(time.RFC3339)}
	}
	if now.Before(st.lastContact.Add(-clockSkew)) {
		return nil, &LocalLicenseError{Code: CodeClockTampered,
			Message: "the clock is earlier than the last server contact, " + st.lastContact.UTC().Format(time.RFC3339)}
	}
	if !st.offline && now.Sub(st.lastContact) > m.grace {
		return nil, &LocalLicenseError{Code: CodeOfflineGraceExpired,
			Message: "the server was last reached at " + st.lastContact.UTC().Format(time.RFC3339) + ", longer ago than the offline grace " + m.grace.String()}
	}
	return l, nil
}

// expiry is when a license stops working: its validity period, plus the
// grace period when allowed; false when it has none.
func expiry(l *License) (time.Time, bool) {
	if l.ValidityPeriod == nil {
		return time.Time{}, false
	}
	end := *l.ValidityPeriod
	if l.AllowGracePeriod {
		end = end.Add(l.GracePeriod)
	}
	return end, true
}

func dirOf(path string) string { return filepath.Dir(path) }
