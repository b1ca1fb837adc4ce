package licensor

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Offline activation (license-api.md §2.4, §2.5, §5.5): a device without a
// connection writes a request file, which reaches the server by other
// means (activate_offline, or `licensor offline activate`); the answer file
// comes back and verifies on the device with no network.

// offlineRequest is the inner request of a request file, its fields in the
// order they are written (the v2 signature covers these exact bytes).
type offlineRequest struct {
	Request       string            `json:"request"` // "activation" or "deactivation"
	RequestID     string            `json:"request_id"`
	SchemaVersion int               `json:"schema_version"`
	Date          string            `json:"date"`
	APIKey        string            `json:"api_key,omitempty"`
	ClientID      string            `json:"client_id,omitempty"`
	Product       string            `json:"product"`
	HardwareID    string            `json:"hardware_id"`
	LicenseKey    string            `json:"license_key,omitempty"`
	Username      string            `json:"username,omitempty"`
	Password      string            `json:"password,omitempty"`
	LicenseID     int64             `json:"license_id,omitempty"`
	BundleCode    string            `json:"bundle_code,omitempty"`
	Variables     map[string]string `json:"variables,omitempty"`
	OSVer         string            `json:"os_ver,omitempty"`
	Hostname      string            `json:"hostname,omitempty"`
	SDKVer        string            `json:"sdk_ver,omitempty"`
	AppVer        string            `json:"app_ver,omitempty"`
	AppName       string            `json:"app_name,omitempty"`
	Consumptions  int64             `json:"consumptions,omitempty"`
	Features      []featureUnits    `json:"product_features,omitempty"`
	Signature     string            `json:"signature"`
}

// featureUnits is a feature's local consumption in a deactivation request.
type featureUnits struct {
	Code         string `json:"code"`
	Consumptions int64  `json:"consumptions"`
}

// offlineSigningString is what the §2.4 request signature and the §3.3
// offline_signature of an answer sign.
func offlineSigningString(date, identity, hardwareID, keyID string) string {
	return "licenseSpring\ndate: " + date + "\n" + identity + "\n" + hardwareID + "\n" + keyID
}

// hmacBase64 is base64(HMAC-SHA256(key, msg)).
func hmacBase64(key, msg []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// OfflineActivationRequest returns the text of an offline activation
// request file for id (license key, or username and password), signed with
// the client's shared key (OAuth mode: its client secret). The file holds
// the password as given: hand it over as you would the password.
func (c *Client) OfflineActivationRequest(id Identity) ([]byte, error) {
	return c.offlineRequestFile("activation", id, 0, nil)
}

// OfflineDeactivationRequest returns the text of an offline deactivation
// request file for id, carrying the device's unsent consumption: units of
// the license and of each feature, added on the server before the device
// is deactivated.
func (c *Client) OfflineDeactivationRequest(id Identity, consumptions int64, features map[string]int64) ([]byte, error) {
	id.Password = ""
	return c.offlineRequestFile("deactivation", id, consumptions, features)
}

func (c *Client) offlineRequestFile(kind string, id Identity, consumptions int64, features map[string]int64) ([]byte, error) {
	if id.sso() || (id.LicenseKey == "") == (id.Username == "") {
		return nil, ErrInvalidIdentity
	}
	reqID, err := uuid4()
	if err != nil {
		return nil, err
	}
	r := offlineRequest{Request: kind, RequestID: reqID, SchemaVersion: 2, Date: c.now().UTC().Format(http.TimeFormat),
		Product: id.Product, HardwareID: id.HardwareID, LicenseKey: id.LicenseKey, Username: id.Username, Password: id.Password,
		LicenseID: id.LicenseID, BundleCode: id.BundleCode, Variables: id.Variables, OSVer: c.telemetry["os_ver"],
		Hostname: c.telemetry["hostname"], SDKVer: c.telemetry["sdk_ver"], AppVer: c.telemetry["app_ver"],
		AppName: c.telemetry["app_name"], Consumptions: consumptions}
	keyName, keyID := c.keyID()
	if keyName == "client_id" {
		r.ClientID = keyID
	} else {
		r.APIKey = keyID
	}
	for code, n := range features {
		if n != 0 {
			r.Features = append(r.Features, featureUnits{Code: code, Consumptions: n})
		}
	}
	slices.SortFunc(r.Features, func(a, b featureUnits) int { return strings.Compare(a.Code, b.Code) })
	identity := id.LicenseKey + id.Username // exactly one is set
	r.Signature = hmacBase64(c.secret(), []byte(offlineSigningString(r.Date, identity, r.HardwareID, keyID)))
	inner, err := compactJSON(r)
	if err != nil {
		return nil, err
	}
	// The outer object embeds the inner bytes as they were signed.
	outer := []byte(`{"request":` + string(inner) + `,"signature":"` + hmacBase64(c.secret(), inner) + `"}`)
	return []byte(base64.StdEncoding.EncodeToString(outer)), nil
}

// compactJSON encodes v without HTML escaping, as JSON.stringify would.
func compactJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, fmt.Errorf("licensor: encode offline request: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// uuid4 is a random (version 4) UUID.
func uuid4() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("licensor: request id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}
