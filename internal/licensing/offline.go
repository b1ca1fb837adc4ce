package licensing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Offline activation (license-api.md §2.4, §2.5, §3.3, §5.5, §6.2). An
// application that cannot reach licensor writes a request file (base64
// JSON) signed with its API credential's shared key; the vendor uploads it
// (activate_offline, or `licensor offline activate` for files received by
// e-mail); the answer goes back as a file the application verifies by
// itself. Both the legacy flat payload and the schema_version 2 wrapper are
// accepted; a wrapped request need not carry the inner signature when the
// wrapper's verifies. The date is not held to the 15-minute window: files
// travel by hand. Under OAuth the file names a client_id and is signed with
// its secret, which licensor keeps sealed for this (schema version 12); the
// file then acts with that client's scope.

// maxOfflineRequest bounds a decoded request file.
const maxOfflineRequest = 64 << 10

// OfflinePayload is a decoded offline request.
type OfflinePayload struct {
	Request       string            `json:"request"` // "activation" or "deactivation"
	RequestID     string            `json:"request_id"`
	SchemaVersion int               `json:"schema_version"`
	Date          string            `json:"date"`
	Signature     string            `json:"signature"`
	APIKey        string            `json:"api_key"`
	ClientID      string            `json:"client_id"`
	LicenseKey    string            `json:"license_key"`
	Username      string            `json:"username"`
	Password      string            `json:"password"`
	HardwareID    string            `json:"hardware_id"`
	Product       string            `json:"product"`
	BundleCode    string            `json:"bundle_code"`
	LicenseID     int64             `json:"license_id"`
	Variables     map[string]any    `json:"variables"`
	Consumptions  int64             `json:"consumptions"`
	Features      []OfflineFeature  `json:"product_features"`
	raw           map[string]any    // every field, for telemetry
	vars          map[string]string // Variables as strings
	key           []byte            // the shared key or client secret that signed it
}

// OfflineFeature is a feature's local consumption to sync on deactivation.
type OfflineFeature struct {
	Code         string `json:"code"`
	Consumptions int64  `json:"consumptions"`
}

// Identity is the license the payload names.
func (p *OfflinePayload) Identity() Identity {
	return Identity{Product: p.Product, HardwareID: p.HardwareID, LicenseKey: p.LicenseKey, Username: p.Username,
		Password: p.Password, LicenseID: p.LicenseID, BundleCode: p.BundleCode}
}

// identityLine is the license key or the username: the third line of the
// §2.4 signing string.
func (p *OfflinePayload) identityLine() string {
	if p.LicenseKey != "" {
		return p.LicenseKey
	}
	return p.Username
}

// OfflineSignature is the §2.4/§3.3 HMAC: base64(HMAC-SHA256(sharedKey,
// "licenseSpring\ndate: DATE\nIDENTITY\nHARDWARE_ID\nAPI_KEY")).
func OfflineSignature(sharedKey []byte, date, identity, hardwareID, apiKey string) string {
	m := hmac.New(sha256.New, sharedKey)
	m.Write([]byte("licenseSpring\ndate: " + date + "\n" + identity + "\n" + hardwareID + "\n" + apiKey))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// ParseOffline decodes and verifies an offline request file of the given
// kind ("activation" or "deactivation") and returns it with the credential
// that signed it.
func (s *Service) ParseOffline(ctx context.Context, body []byte, kind string) (*OfflinePayload, *auth.Credential, error) {
	text := bytes.TrimSpace(body)
	if len(text) == 0 {
		return nil, nil, problem.New(problem.CodeMissingContent, "the request file is empty")
	}
	raw, err := base64.StdEncoding.DecodeString(string(text))
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(string(text)); err != nil {
			return nil, nil, problem.New(problem.CodeInvalidJSON, "the request file is not base64")
		}
	}
	if len(raw) > maxOfflineRequest {
		return nil, nil, problem.Newf(problem.CodeValidationError, "the request file decodes to more than %d bytes", maxOfflineRequest)
	}
	var wrapper struct {
		Request   json.RawMessage `json:"request"`
		Signature string          `json:"signature"`
	}
	if json.Unmarshal(raw, &wrapper) != nil {
		return nil, nil, problem.New(problem.CodeInvalidJSON, "the request file is not a JSON object")
	}
	inner, wrapped := raw, len(wrapper.Request) > 0 && wrapper.Request[0] == '{'
	if wrapped {
		inner = wrapper.Request
	}
	p := &OfflinePayload{}
	if err := json.Unmarshal(inner, p); err != nil {
		return nil, nil, problem.New(problem.CodeValidationError, "the request payload has a field of the wrong type")
	}
	_ = json.Unmarshal(inner, &p.raw)
	if p.Request != kind {
		return nil, nil, problem.Newf(problem.CodeValidationError, "the request file is a %q request, not %q", p.Request, kind)
	}
	keys, cred, err := s.offlineKeys(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if p.key = offlineSigned(p, wrapped, wrapper.Request, wrapper.Signature, keys); p.key == nil {
		return nil, nil, problem.New(problem.CodeOfflineSignatureMismatch, "the request file's signature does not match")
	}
	if p.vars, err = offlineVariables(p.Variables); err != nil {
		return nil, nil, err
	}
	return p, cred, nil
}

// offlineKeys returns the keys a request file may be signed with, and the
// credential it then acts as: the shared key of its api_key, or the
// secrets of its OAuth client_id.
func (s *Service) offlineKeys(ctx context.Context, p *OfflinePayload) ([][]byte, *auth.Credential, error) {
	if p.APIKey == "" && p.ClientID != "" {
		keys, cred, err := s.offlineSecrets(ctx, p.ClientID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, problem.New(problem.CodeInvalidAPIKey, "the request file's client_id is not a live OAuth client")
		}
		if err == nil && len(keys) == 0 {
			return nil, nil, problem.New(problem.CodeOfflineSignatureMismatch,
				"this OAuth client predates sealed secrets: rotate its secret (licensor oauth-client rotate) to sign offline files with it")
		}
		return keys, cred, err
	}
	if p.APIKey == "" {
		return nil, nil, missing("api_key")
	}
	cred, err := s.Credential(ctx, p.APIKey)
	if errors.Is(err, auth.ErrUnknownKey) {
		return nil, nil, problem.New(problem.CodeInvalidAPIKey, "the request file's API key is not valid")
	}
	if err != nil {
		return nil, nil, err
	}
	return [][]byte{cred.SharedKey}, cred, nil
}

// offlineSigned checks a request file's signatures with keys and returns
// the key that signed it (nil: none did): the §2.5 signature over the
// wrapped request makes the inner §2.4 one optional; otherwise the inner one
// decides. Python's SDK computes the §2.5 HMAC under OAuth with the
// client_id as key (§2.5): accepted, but as that proves nothing, the inner
// signature is then required.
func offlineSigned(p *OfflinePayload, wrapped bool, request []byte, signature string, keys [][]byte) []byte {
	var v2Key []byte
	if wrapped {
		for _, k := range keys {
			if hmac.Equal([]byte(signature), []byte(base64HMAC(k, request))) {
				v2Key = k
			}
		}
		weak := p.ClientID != "" && hmac.Equal([]byte(signature), []byte(base64HMAC([]byte(p.ClientID), request)))
		if v2Key == nil && !weak {
			return nil
		}
	}
	if v2Key != nil && p.Signature == "" {
		return v2Key
	}
	for _, k := range keys {
		if hmac.Equal([]byte(p.Signature), []byte(OfflineSignature(k, p.Date, p.identityLine(), p.HardwareID, p.keyID()))) {
			return k
		}
	}
	return nil
}

// SignerCaller is who an offline file acts as where nobody else sends it
// (`licensor offline activate`): its signer, with the signer's product
// limits and OAuth scope.
func SignerCaller(signer *auth.Credential) Caller {
	return Caller{CompanyID: signer.CompanyID, CredentialID: signer.ID, AllowedProducts: signer.AllowedProducts,
		OAuthClientID: signer.OAuthClientID, ScopeLicenseID: signer.ScopeLicenseID, ScopeCustomerID: signer.ScopeCustomerID}
}

// keyID is the last line of the §2.4 signing string: the api_key, or the
// client_id under OAuth.
func (p *OfflinePayload) keyID() string {
	if p.APIKey != "" {
		return p.APIKey
	}
	return p.ClientID
}

func base64HMAC(key, data []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// offlineVariables turns the payload's variables into strings, as the
// online calls store them.
func offlineVariables(in map[string]any) (map[string]string, error) {
	if in == nil {
		return nil, nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch t := v.(type) {
		case string:
			out[k] = t
		case nil:
			out[k] = ""
		default:
			b, _ := json.Marshal(t)
			out[k] = string(b)
		}
		if !store.StorableText(k) || !store.StorableText(out[k]) {
			return nil, problem.New(problem.CodeValidationError, "variables must be UTF-8 text without NUL characters")
		}
	}
	return out, nil
}

// offlineTypes are the license types that may be activated offline.
func offlineAllowed(l *store.License) bool {
	return l.AllowOfflineActivation && (l.IsTrial || l.LicenseType == store.LicensePerpetual || l.LicenseType == store.LicenseConsumption)
}

// OfflineActivation is an activated offline request with what its answer
// file carries beyond the License object.
type OfflineActivation struct {
	View             *LicenseView
	Identity         Identity
	Date             string // the answer's date (RFC 7231), signed by OfflineSignature
	OfflineSignature string
}

// ActivateOffline activates the device of a verified offline request.
func (s *Service) ActivateOffline(ctx context.Context, c Caller, p *OfflinePayload) (*OfflineActivation, error) {
	id := p.Identity()
	f, err := s.findLicense(ctx, c, id, id.Username != "")
	if err != nil {
		return nil, err
	}
	if !offlineAllowed(f.license) {
		return nil, problem.New(problem.CodeWrongLicenseType, "this license cannot be activated offline (trial, perpetual and consumption licenses with allow_offline_activation can)")
	}
	v, err := s.Activate(ctx, c, ActivateInput{Identity: id, Telemetry: offlineTelemetry(p.raw), Variables: p.vars})
	if err != nil {
		return nil, err
	}
	date := s.now().UTC().Format(http.TimeFormat)
	return &OfflineActivation{View: v, Identity: id, Date: date,
		OfflineSignature: OfflineSignature(p.key, date, p.identityLine(), p.HardwareID, p.keyID())}, nil
}

// DeactivateOffline syncs the consumption a deactivation request reports
// and frees the device.
func (s *Service) DeactivateOffline(ctx context.Context, c Caller, p *OfflinePayload) error {
	id := p.Identity()
	id.Password = ""
	f, err := s.findLicense(ctx, c, id, false)
	if err != nil {
		return err
	}
	if !offlineAllowed(f.license) {
		return problem.New(problem.CodeWrongLicenseType, "this license cannot be deactivated offline")
	}
	if p.Consumptions != 0 && f.license.LicenseType == store.LicenseConsumption {
		if _, err := s.AddConsumption(ctx, c, ConsumptionInput{Identity: id, N: p.Consumptions}); err != nil {
			return err
		}
	}
	for _, feat := range p.Features {
		if feat.Consumptions != 0 {
			if _, err := s.AddFeatureConsumption(ctx, c, ConsumptionInput{Identity: id, Feature: feat.Code, N: feat.Consumptions}); err != nil {
				return err
			}
		}
	}
	return s.Deactivate(ctx, c, id, p.vars)
}

// Strings returns every string the payload carries by parameter name
// (identity, telemetry), and its variables, so that the API's length limits
// can be applied to files as to online calls.
func (p *OfflinePayload) Strings() (map[string]string, map[string]string) {
	t := offlineTelemetry(p.raw)
	vm := ""
	if v, ok := p.raw["is_vm"]; ok && v != nil {
		b, _ := json.Marshal(v)
		vm = string(b)
	}
	return map[string]string{"product": p.Product, "hardware_id": p.HardwareID, "license_key": p.LicenseKey, "username": p.Username,
		"password": p.Password, "bundle_code": p.BundleCode, "app_name": t.AppName, "app_ver": t.AppVer, "sdk_ver": t.SDKVer,
		"os_ver": t.OSVer, "hostname": t.Hostname, "ip": t.IP, "mac_address": t.MACAddress, "vm_info": t.VMInfo, "is_vm": vm}, p.vars
}

// offlineTelemetry reads the telemetry fields of a payload as text.
func offlineTelemetry(raw map[string]any) store.Telemetry {
	t := func(k string) string {
		switch v := raw[k].(type) {
		case string:
			return v
		case nil:
			return ""
		default:
			b, _ := json.Marshal(v)
			return strings.Trim(string(b), `"`)
		}
	}
	return store.Telemetry{AppName: t("app_name"), AppVer: t("app_ver"), SDKVer: t("sdk_ver"), OSVer: t("os_ver"), Hostname: t("hostname"),
		IP: t("ip"), MACAddress: t("mac_address"), IsVM: strings.EqualFold(t("is_vm"), "true"), VMInfo: t("vm_info")}
}
