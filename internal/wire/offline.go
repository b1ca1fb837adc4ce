package wire

import "github.com/licensor/licensor/internal/signing"

// OfflineLicense is the activate_offline answer (license-api.md §5.5): the
// License object of an activation, with its license_signature, plus the
// answer's date, offline_signature (§3.3) and license_signature_v2.
//
// license_signature_v2 is RSA-SHA256 (as the LicenseSignature header) over
// the answer without offline_signature and license_signature_v2, encoded
// as JSON.stringify encodes the parsed answer: a client removes those two
// fields, stringifies what remains, and verifies. The answer file an
// application loads is the base64 of the answer's JSON.
type OfflineLicense struct {
	*License
	Date               string `json:"date"`
	OfflineSignature   string `json:"offline_signature,omitempty"`
	LicenseSignatureV2 string `json:"license_signature_v2,omitempty"`
}

// NewOfflineLicense completes and signs an offline answer.
func NewOfflineLicense(l *License, date, offlineSignature string, sign func([]byte) (string, error)) (*OfflineLicense, error) {
	out := &OfflineLicense{License: l, Date: date}
	body, err := signing.MarshalJSON(out)
	if err != nil {
		return nil, err
	}
	if out.LicenseSignatureV2, err = sign(body); err != nil {
		return nil, err
	}
	out.OfflineSignature = offlineSignature
	return out, nil
}
