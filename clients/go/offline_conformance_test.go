package licensor

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The offline sections of the shared conformance vectors
// (../conformance/vectors.json): request file signatures and answer files.

type offlineVectors struct {
	PublicKeyPEM    string `json:"public_key_pem"`
	OfflineRequests []struct {
		Name          string
		KeyID         string `json:"key_id"`
		Key           string
		Date          string
		Identity      string
		HardwareID    string `json:"hardware_id"`
		RequestJSON   string `json:"request_json"`
		SigningString string `json:"signing_string"`
		Signature     string
		V2Signature   string `json:"v2_signature"`
	} `json:"offline_requests"`
	OfflineAnswers []struct {
		Name       string
		File       string
		KeyID      string `json:"key_id"`
		Key        string
		HardwareID string `json:"hardware_id"`
		Product    string
		Valid      bool
	} `json:"offline_answers"`
}

func loadOfflineVectors(t *testing.T) *offlineVectors {
	t.Helper()
	data, err := os.ReadFile("../conformance/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v offlineVectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.OfflineRequests) == 0 || len(v.OfflineAnswers) == 0 {
		t.Fatal("vectors.json has no offline_requests or offline_answers")
	}
	return &v
}

// keyConfig sets the credential a vector signs with: an OAuth client when
// the vector's request names a client_id, else an API key.
func keyConfig(keyID, key string, oauth bool) func(*Config) {
	return func(c *Config) {
		if oauth {
			c.APIKey, c.SharedKey, c.ClientID, c.ClientSecret = "", "", keyID, key
		} else {
			c.APIKey, c.SharedKey = keyID, key
		}
	}
}

func TestConformanceOfflineRequests(t *testing.T) {
	v := loadOfflineVectors(t)
	for _, rv := range v.OfflineRequests {
		t.Run(rv.Name, func(t *testing.T) {
			if got := offlineSigningString(rv.Date, rv.Identity, rv.HardwareID, rv.KeyID); got != rv.SigningString {
				t.Errorf("signing string %q", got)
			}
			if got := hmacBase64([]byte(rv.Key), []byte(rv.SigningString)); got != rv.Signature {
				t.Errorf("signature %s, want %s", got, rv.Signature)
			}
			if got := hmacBase64([]byte(rv.Key), []byte(rv.RequestJSON)); got != rv.V2Signature {
				t.Errorf("v2 signature %s, want %s", got, rv.V2Signature)
			}
			// The request the vector holds, written by this client: the same
			// bytes (field order, no HTML escaping, compact).
			var r offlineRequest
			if err := json.Unmarshal([]byte(rv.RequestJSON), &r); err != nil {
				t.Fatal(err)
			}
			if got, err := compactJSON(r); err != nil || string(got) != rv.RequestJSON {
				t.Errorf("re-serialized\n%s, want\n%s (%v)", got, rv.RequestJSON, err)
			}
			// And a file this client writes at the vector's date (RFC 7231
			// dates only: the client writes no other form).
			at, err := time.Parse(http.TimeFormat, rv.Date)
			if err != nil {
				return
			}
			c := vectorClient(t, &vectors{PublicKeyPEM: v.PublicKeyPEM}, "https://l.example.com",
				keyConfig(rv.KeyID, rv.Key, r.ClientID != ""), func(c *Config) { c.Now = func() time.Time { return at } })
			id := Identity{Product: r.Product, HardwareID: r.HardwareID, LicenseKey: r.LicenseKey, Username: r.Username, Variables: r.Variables}
			file, err := c.offlineRequestFile(r.Request, id, r.Consumptions, nil)
			if err != nil {
				t.Fatal(err)
			}
			inner, outerSig := decodeRequestFile(t, file)
			var got offlineRequest
			if err := json.Unmarshal(inner, &got); err != nil {
				t.Fatal(err)
			}
			if got.Signature != rv.Signature || got.Date != rv.Date || got.APIKey != r.APIKey || got.ClientID != r.ClientID ||
				outerSig != hmacBase64([]byte(rv.Key), inner) {
				t.Errorf("the client's file: %s, outer signature %s", inner, outerSig)
			}
		})
	}
}

// decodeRequestFile opens a request file as the server does: the raw bytes
// of "request" and the outer signature.
func decodeRequestFile(t *testing.T, file []byte) (json.RawMessage, string) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(string(file))
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		Request   json.RawMessage `json:"request"`
		Signature string          `json:"signature"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), `{"request":{`) {
		t.Errorf("outer object %s", raw)
	}
	return w.Request, w.Signature
}

func TestConformanceOfflineAnswers(t *testing.T) {
	v := loadOfflineVectors(t)
	for _, av := range v.OfflineAnswers {
		t.Run(av.Name, func(t *testing.T) {
			c := vectorClient(t, &vectors{PublicKeyPEM: v.PublicKeyPEM}, "https://l.example.com", keyConfig(av.KeyID, av.Key, false))
			l, err := c.ReadOfflineAnswer([]byte(av.File), av.HardwareID, av.Product)
			checkValid(t, "ReadOfflineAnswer", err, av.Valid)
			if av.Valid && (l.ID == 0 || !l.Enabled || !l.Active) {
				t.Errorf("license %+v", l)
			}
			// Through the manager: stored, and checked again from the file.
			answer := filepath.Join(t.TempDir(), "answer.lic")
			if err := os.WriteFile(answer, []byte(av.File), 0o600); err != nil {
				t.Fatal(err)
			}
			m, err := NewManager(ManagerConfig{Client: c, Product: av.Product, HardwareID: av.HardwareID,
				LicenseFile: filepath.Join(t.TempDir(), "license.json"), Now: func() time.Time { return time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC) }})
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.LoadOfflineAnswer(answer)
			if !av.Valid {
				wantLocal(t, err, CodeLicenseFileInvalid)
				var se *SignatureError
				if !errors.As(err, &se) {
					t.Errorf("the cause is not a *SignatureError: %v", err)
				}
				_, err = m.LocalCheck()
				wantLocal(t, err, CodeLicenseFileMissing)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, err := m.LocalCheck(); err != nil || got.ID != l.ID {
				t.Fatalf("LocalCheck = %+v, %v", got, err)
			}
		})
	}
}
