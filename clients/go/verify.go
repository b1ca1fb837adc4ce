package licensor

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
)

// ParsePublicKey parses the server's public key: an SPKI PEM block
// ("-----BEGIN PUBLIC KEY-----") holding an RSA key, as `licensor
// public-key` prints it.
func ParsePublicKey(pemText string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(pemText)))
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("licensor: the public key is not a PEM \"PUBLIC KEY\" block")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, errors.New("licensor: the public key does not parse: " + err.Error())
	}
	pub, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("licensor: the public key is not an RSA key")
	}
	return pub, nil
}

// verifyRSA checks a base64 RSA PKCS#1 v1.5 SHA-256 signature of msg.
// what names the signature in the SignatureError.
func verifyRSA(pub *rsa.PublicKey, msg []byte, sigB64, what string) error {
	if sigB64 == "" {
		return &SignatureError{Reason: what + " missing"}
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return &SignatureError{Reason: what + " is not base64"}
	}
	sum := sha256.Sum256(msg)
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		return &SignatureError{Reason: what + " does not verify"}
	}
	return nil
}

// verifyBody checks the v2 signature: the LicenseSignature header over the
// exact body bytes (license-api.md §3.2).
func verifyBody(pub *rsa.PublicKey, body []byte, header string) error {
	return verifyRSA(pub, body, strings.TrimSpace(header), "LicenseSignature header")
}

// v1Message is what license_signature signs (license-api.md §3.1):
// lower(hardware_id#identity#validity_period), the identity cut at its first
// "|".
func v1Message(hardwareID, identity, validity string) []byte {
	if i := strings.IndexByte(identity, '|'); i >= 0 {
		identity = identity[:i]
	}
	return []byte(strings.ToLower(hardwareID + "#" + identity + "#" + validity))
}

// verifyLicenseSignature checks a v1 license_signature. hardwareID and
// identity are what the client sent; validity is the answer's
// validity_period as is, "" when null.
func verifyLicenseSignature(pub *rsa.PublicKey, hardwareID, identity, validity, sig string) error {
	return verifyRSA(pub, v1Message(hardwareID, identity, validity), sig, "license_signature")
}

// verifyLicenseObject checks the license_signature of one License object
// (raw JSON) against the request's hardware id and identity.
func verifyLicenseObject(pub *rsa.PublicKey, obj json.RawMessage, hardwareID, identity string) error {
	var f struct {
		Signature json.RawMessage `json:"license_signature"`
		Validity  json.RawMessage `json:"validity_period"`
	}
	if err := json.Unmarshal(obj, &f); err != nil {
		return &SignatureError{Reason: "a License object is not a JSON object"}
	}
	var sig, validity string
	if len(f.Signature) > 0 && json.Unmarshal(f.Signature, &sig) != nil {
		return &SignatureError{Reason: "license_signature is not a string"}
	}
	if len(f.Validity) > 0 && string(f.Validity) != "null" && json.Unmarshal(f.Validity, &validity) != nil {
		return &SignatureError{Reason: "validity_period is not a string"}
	}
	return verifyLicenseSignature(pub, hardwareID, identity, validity, sig)
}
