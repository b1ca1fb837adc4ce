package signing_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/signing"
)

// Offline files (license-api.md §2.4, §2.5, §3.3, §5.5): the request
// signatures a client writes into a request file, and whole answer files a
// client loads and verifies without the network.

type offlineRequestVector struct {
	Name          string `json:"name"`
	KeyID         string `json:"key_id"` // the api_key, or the client_id under OAuth
	Key           string `json:"key"`    // the shared key, or the client secret under OAuth
	Date          string `json:"date"`
	Identity      string `json:"identity"` // license_key or username
	HardwareID    string `json:"hardware_id"`
	RequestJSON   string `json:"request_json"`   // the inner request exactly as serialized, signature included
	SigningString string `json:"signing_string"` // §2.4
	Signature     string `json:"signature"`      // §2.4, inside request_json
	V2Signature   string `json:"v2_signature"`   // §2.5, HMAC over request_json
}

type offlineAnswerVector struct {
	Name       string `json:"name"`
	File       string `json:"file"` // base64 of the activate_offline answer; its identity is license_key, else username, else user.email
	KeyID      string `json:"key_id"`
	Key        string `json:"key"`
	HardwareID string `json:"hardware_id"` // the device loading the file
	Product    string `json:"product"`
	Valid      bool   `json:"valid"`
	Why        string `json:"why,omitempty"`
}

func hmacB64(key, data string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func offlineRequestVectors() []offlineRequestVector {
	const apiKey, sharedKey = "5b0c3c6e-8b7e-4a53-9c51-1f1e3f0a2b7d", "q1w2e3r4t5y6u7i8o9p0aSdFgHjKlZxCvBnM+/=!"
	const clientID, clientSecret = "lsc_4f1d2a", "c2VjcmV0LXNlY3JldC1zZWNyZXQ"
	var out []offlineRequestVector
	for _, r := range []struct {
		name, keyID, key, date, identity, hw, head, tail string
	}{
		{"activation, key-based, API key", apiKey, sharedKey, "Thu, 03 Dec 2026 17:00:00 GMT", "ABCD-EFGH-IJKL-MNOP", "Machine-1",
			`{"request":"activation","request_id":"0b9e1c52-3f7a-4d0e-9a1b-6c2d8e4f5a61","schema_version":2,"date":"Thu, 03 Dec 2026 17:00:00 GMT",` +
				`"api_key":"` + apiKey + `","product":"DESKTOP","hardware_id":"Machine-1","license_key":"ABCD-EFGH-IJKL-MNOP",` +
				`"variables":{"seats":"3"},"sdk_ver":"licensor-js 0.3.0"`, `}`},
		{"deactivation, user-based, local consumption to sync", apiKey, sharedKey, "Fri Jul 4 2025 10:56:13 GMT+0000", "ann@example.com", "Machine-3",
			`{"request":"deactivation","request_id":"7d4f0a8e-2b1c-4e5f-8a9b-0c1d2e3f4a5b","schema_version":2,"date":"Fri Jul 4 2025 10:56:13 GMT+0000",` +
				`"api_key":"` + apiKey + `","product":"CLOUD","hardware_id":"Machine-3","username":"ann@example.com",` +
				`"consumptions":4,"product_features":[{"code":"units","consumptions":2}]`, `}`},
		{"activation under OAuth: client id and client secret", clientID, clientSecret, "Thu, 03 Dec 2026 17:00:00 GMT", "KEY-2", "machine-2",
			`{"request":"activation","request_id":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","schema_version":2,"date":"Thu, 03 Dec 2026 17:00:00 GMT",` +
				`"client_id":"` + clientID + `","product":"DESKTOP","hardware_id":"machine-2","license_key":"KEY-2"`, `}`},
	} {
		signing := "licenseSpring\ndate: " + r.date + "\n" + r.identity + "\n" + r.hw + "\n" + r.keyID
		sig := licensing.OfflineSignature([]byte(r.key), r.date, r.identity, r.hw, r.keyID)
		reqJSON := r.head + `,"signature":"` + sig + `"` + r.tail
		out = append(out, offlineRequestVector{Name: r.name, KeyID: r.keyID, Key: r.key, Date: r.date, Identity: r.identity,
			HardwareID: r.hw, RequestJSON: reqJSON, SigningString: signing, Signature: sig, V2Signature: hmacB64(r.key, reqJSON)})
	}
	return out
}

// offlineAnswerVectors builds answers as the server writes them
// (wire.OfflineLicense): the License object, then date, offline_signature
// and license_signature_v2, where license_signature_v2 signs the answer
// without the last two fields as JSON.stringify prints it.
func offlineAnswerVectors(t *testing.T, s *signing.Signer) []offlineAnswerVector {
	const apiKey, sharedKey = "5b0c3c6e-8b7e-4a53-9c51-1f1e3f0a2b7d", "q1w2e3r4t5y6u7i8o9p0aSdFgHjKlZxCvBnM+/=!"
	const clientID, clientSecret = "lsc_4f1d2a", "c2VjcmV0LXNlY3JldC1zZWNyZXQ"
	const date = "2026-12-03T17:00:00.000Z"
	validity := "2031-03-04T00:00:00.000Z"
	at, _ := time.Parse("2006-01-02T15:04:05.000Z", validity)
	v1 := func(hw, identity string, when *time.Time) string {
		sig, err := s.LicenseSignatureV1(hw, identity, when)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	rsa := func(b string) string {
		sig, err := s.Sign([]byte(b))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	// answer completes a License object (without its closing brace) into an
	// answer file whose offline_signature uses key.
	answer := func(license, identity, hw, keyID, key string) string {
		signed := license + `,"date":"` + date + `"}`
		full := license + `,"date":"` + date + `","offline_signature":"` + licensing.OfflineSignature([]byte(key), date, identity, hw, keyID) +
			`","license_signature_v2":"` + rsa(signed) + `"}`
		return base64.StdEncoding.EncodeToString([]byte(full))
	}
	keyLicense := func(validityPeriod string) string {
		return `{"id":17,"license_key":"ABCD-EFGH-IJKL-MNOP","license_type":"perpetual","is_trial":false,"license_enabled":true,` +
			`"license_active":true,"is_expired":false,"validity_period":"` + validityPeriod + `","max_activations":2,"times_activated":1,` +
			`"hardware_id":"Machine-1","product_details":{"product_id":3,"product_name":"Desktop","short_code":"DESKTOP",` +
			`"authorization_method":"license-key"},"product_features":[],"metadata":{"ratio":1.5,"note":"Zoë </b> & 🎉 ` + "\u2028" + `"},` +
			`"custom_fields":[],"license_signature":"` + v1("Machine-1", "ABCD-EFGH-IJKL-MNOP", &at) + `"`
	}
	// A user-based answer echoes the username as the request sent it; the
	// offline_signature covers that, the license_signature its part before
	// "|", lowercased (§3.1).
	userLicense := `{"id":21,"license_type":"consumption","license_enabled":true,"license_active":true,"is_expired":false,` +
		`"validity_period":null,"max_consumptions":10,"total_consumptions":0,"username":"Ann@Example.com|ACME","hardware_id":"Machine-3",` +
		`"product_details":{"product_id":4,"product_name":"Cloud","short_code":"CLOUD","authorization_method":"user"},` +
		`"user":{"id":4,"email":"ann@example.com","is_initial_password":false},"license_signature":"` + v1("Machine-3", "ann@example.com", nil) + `"`
	good := answer(keyLicense(validity), "ABCD-EFGH-IJKL-MNOP", "Machine-1", apiKey, sharedKey)
	decoded, _ := base64.StdEncoding.DecodeString(good)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	extended := strings.Replace(string(decoded), validity, "2099-03-04T00:00:00.000Z", 1)
	noV2 := string(decoded)[:strings.Index(string(decoded), `,"license_signature_v2"`)] + `}`
	return []offlineAnswerVector{
		{Name: "key-based answer (non-ASCII, HTML characters, U+2028 and a fraction in metadata)", File: good, KeyID: apiKey, Key: sharedKey,
			HardwareID: "Machine-1", Product: "DESKTOP", Valid: true},
		{Name: "user-based answer: the identity is the echoed username (offline_signature as sent, license_signature cut at | and lowercased)",
			File:  answer(userLicense, "Ann@Example.com|ACME", "Machine-3", apiKey, sharedKey),
			KeyID: apiKey, Key: sharedKey, HardwareID: "Machine-3", Product: "CLOUD", Valid: true},
		{Name: "answer to an OAuth request: client id and client secret", File: answer(keyLicense(validity), "ABCD-EFGH-IJKL-MNOP", "Machine-1", clientID, clientSecret),
			KeyID: clientID, Key: clientSecret, HardwareID: "Machine-1", Product: "DESKTOP", Valid: true},
		{Name: "offline_signature made with another shared key", File: answer(keyLicense(validity), "ABCD-EFGH-IJKL-MNOP", "Machine-1", apiKey, "another key"),
			KeyID: apiKey, Key: sharedKey, HardwareID: "Machine-1", Product: "DESKTOP", Why: "offline_signature fails"},
		{Name: "validity extended by hand", File: b64(extended), KeyID: apiKey, Key: sharedKey, HardwareID: "Machine-1", Product: "DESKTOP",
			Why: "license_signature_v2 and license_signature fail"},
		{Name: "license_signature_v2 removed", File: b64(noV2), KeyID: apiKey, Key: sharedKey, HardwareID: "Machine-1", Product: "DESKTOP",
			Why: "license_signature_v2 missing"},
		{Name: "a valid answer loaded on another device", File: good, KeyID: apiKey, Key: sharedKey, HardwareID: "Machine-2", Product: "DESKTOP",
			Why: "the answer's hardware_id is not this device's"},
		{Name: "a valid answer loaded by another product", File: good, KeyID: apiKey, Key: sharedKey, HardwareID: "Machine-1", Product: "CLOUD",
			Why: "the answer's product is not this product"},
		{Name: "not base64", File: "%%% not base64 %%%", KeyID: apiKey, Key: sharedKey, HardwareID: "Machine-1", Product: "DESKTOP",
			Why: "unreadable"},
	}
}
