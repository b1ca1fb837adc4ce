package licensor

import (
	"bytes"
	"crypto/hmac"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
)

// offlineAnswer is an activate_offline answer that verified.
type offlineAnswer struct {
	license  *License
	body     []byte // the answer's JSON, as the server wrote it
	identity string // the license key or username it was activated with
	date     time.Time
}

// offlineFields are the parts of an answer that its checks use.
type offlineFields struct {
	Date               string  `json:"date"`
	OfflineSignature   string  `json:"offline_signature"`
	LicenseSignatureV2 string  `json:"license_signature_v2"`
	HardwareID         string  `json:"hardware_id"`
	LicenseKey         *string `json:"license_key"`
	Username           string  `json:"username"`
	User               *struct {
		Email string `json:"email"`
	} `json:"user"`
	ProductDetails *struct {
		Code string `json:"short_code"`
	} `json:"product_details"`
}

// identity is the license key, or for a user-based license the username
// the answer echoes (as the server signed it), else user.email
// (license-api.md §3.3, §6.2).
func (f *offlineFields) identity() string {
	switch {
	case f.LicenseKey != nil && *f.LicenseKey != "":
		return *f.LicenseKey
	case f.Username != "":
		return f.Username
	case f.User != nil:
		return f.User.Email
	}
	return ""
}

// ReadOfflineAnswer verifies an offline answer file (the base64 text
// activate_offline answered, or `licensor offline activate` wrote) with no
// network, and returns its license. It must be for hardwareID and product,
// carry the offline_signature of the client's shared key (OAuth mode: its
// client secret), and its license_signature and license_signature_v2 must
// verify with the pinned public key. Any failure is a *SignatureError.
func (c *Client) ReadOfflineAnswer(file []byte, hardwareID, product string) (*License, error) {
	a, err := c.readOfflineAnswer(file, hardwareID, product)
	if err != nil {
		return nil, err
	}
	return a.license, nil
}

func (c *Client) readOfflineAnswer(file []byte, hardwareID, product string) (*offlineAnswer, error) {
	body, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(file)))
	if err != nil {
		return nil, &SignatureError{Reason: "the offline answer file is not base64"}
	}
	f, err := verifyOfflineBody(c.publicKey, body, hardwareID, product)
	if err != nil {
		return nil, err
	}
	_, keyID := c.keyID()
	want := hmacBase64(c.secret(), []byte(offlineSigningString(f.Date, f.identity(), f.HardwareID, keyID)))
	if !hmac.Equal([]byte(want), []byte(f.OfflineSignature)) {
		return nil, &SignatureError{Reason: "offline_signature does not verify with this client's key"}
	}
	l, err := parseLicense(body)
	if err != nil {
		return nil, &SignatureError{Reason: "the offline answer is not a License object"}
	}
	return &offlineAnswer{license: l, body: body, identity: f.identity(), date: answerDate(f.Date)}, nil
}

// verifyOfflineBody checks what an offline answer proves with the public
// key alone, which is what a stored one is checked with again:
// license_signature_v2 over the answer without offline_signature and
// license_signature_v2 as JSON.stringify writes it, license_signature over
// the answer's hardware id and identity, and that both name this device
// and product.
func verifyOfflineBody(pub *rsa.PublicKey, body []byte, hardwareID, product string) (*offlineFields, error) {
	var f offlineFields
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, &SignatureError{Reason: "the offline answer is not a JSON object"}
	}
	signed, err := jsStringify(body, map[string]bool{"offline_signature": true, "license_signature_v2": true})
	if err != nil {
		return nil, &SignatureError{Reason: "the offline answer cannot be re-serialized: " + err.Error()}
	}
	if err := verifyRSA(pub, signed, f.LicenseSignatureV2, "license_signature_v2"); err != nil {
		return nil, err
	}
	if err := verifyLicenseObject(pub, body, f.HardwareID, f.identity()); err != nil {
		return nil, err
	}
	switch {
	case f.HardwareID != hardwareID:
		return nil, &SignatureError{Reason: "the offline answer is for another device"}
	case f.ProductDetails == nil || f.ProductDetails.Code != product:
		return nil, &SignatureError{Reason: "the offline answer is for another product"}
	}
	return &f, nil
}

// answerDate reads the answer's date: RFC 7231 as licensor writes it, or
// ISO 8601. It is signed, so it stands for the last server contact; the
// zero time when it is neither.
func answerDate(s string) time.Time {
	for _, layout := range []string{http.TimeFormat, time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
