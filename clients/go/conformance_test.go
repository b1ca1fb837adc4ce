package licensor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// The shared conformance vectors (../conformance/vectors.json, made by the
// server's signing code) that every licensor client passes: DESIGN.md
// "Conformance".

type vectors struct {
	PublicKeyPEM   string `json:"public_key_pem"`
	RequestSigning []struct {
		Name, Date, Signature, Authorization string
		APIKey                               string `json:"api_key"`
		SharedKey                            string `json:"shared_key"`
		SigningString                        string `json:"signing_string"`
	} `json:"request_signing"`
	V2 []struct {
		Name       string
		BodyBase64 string `json:"body_base64"`
		Header     string
		Valid      bool
	} `json:"v2"`
	V1 []struct {
		Name           string
		HardwareID     string  `json:"hardware_id"`
		Identity       string  `json:"identity"`
		ValidityPeriod *string `json:"validity_period"`
		Signature      string
		Valid          bool
	} `json:"v1"`
	Responses []struct {
		Name       string
		Request    map[string]string
		BodyBase64 string `json:"body_base64"`
		Header     string
		Valid      bool
	} `json:"responses"`
	Errors []struct {
		Name       string
		Status     int
		Headers    map[string]string
		Body       string
		Code       string
		Message    string
		RetryAfter int `json:"retry_after_seconds"`
		Retryable  bool
	} `json:"errors"`
}

func loadVectors(t *testing.T) *vectors {
	t.Helper()
	data, err := os.ReadFile("../conformance/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.RequestSigning) == 0 || len(v.V2) == 0 || len(v.V1) == 0 || len(v.Responses) == 0 || len(v.Errors) == 0 {
		t.Fatal("vectors.json has an empty section")
	}
	return &v
}

// vectorServer answers every request with status, headers and body.
func vectorServer(t *testing.T, status int, headers map[string]string, body []byte) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// vectorClient is a client of url pinned to the vectors' public key.
func vectorClient(t *testing.T, v *vectors, url string, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: url, APIKey: "k", SharedKey: "s", PublicKeyPEM: v.PublicKeyPEM, MaxRetries: -1,
		Sleep: func(context.Context, time.Duration) error { return nil }}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConformanceRequestSigning(t *testing.T) {
	v := loadVectors(t)
	for _, sv := range v.RequestSigning {
		t.Run(sv.Name, func(t *testing.T) {
			if got := signature(sv.SharedKey, sv.Date); got != sv.Signature {
				t.Errorf("signature = %s, want %s", got, sv.Signature)
			}
			if got := authorization(sv.APIKey, sv.SharedKey, sv.Date); got != sv.Authorization {
				t.Errorf("authorization = %s, want %s", got, sv.Authorization)
			}
			// The same headers on a real request, with the clock at the date.
			at, err := time.Parse(http.TimeFormat, sv.Date)
			if err != nil {
				t.Fatal(err)
			}
			var date, auth string
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				date, auth = r.Header.Get("Date"), r.Header.Get("Authorization")
				w.WriteHeader(http.StatusBadRequest)
			}))
			defer s.Close()
			c := vectorClient(t, v, s.URL, func(c *Config) {
				c.APIKey, c.SharedKey, c.Now = sv.APIKey, sv.SharedKey, func() time.Time { return at.In(time.FixedZone("X", 3600)) }
			})
			_, _ = c.ProductDetails(context.Background(), ProductDetailsRequest{Product: "P"})
			if date != sv.Date || auth != sv.Authorization {
				t.Errorf("request carried Date %q, Authorization %q", date, auth)
			}
		})
	}
}

func TestConformanceV2(t *testing.T) {
	v := loadVectors(t)
	pub, err := ParsePublicKey(v.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, vv := range v.V2 {
		t.Run(vv.Name, func(t *testing.T) {
			body := b64(t, vv.BodyBase64)
			err := verifyBody(pub, body, vv.Header)
			checkValid(t, "verifyBody", err, vv.Valid)
			// Through the transport, as every answer goes.
			headers := map[string]string{}
			if vv.Header != "" {
				headers["LicenseSignature"] = vv.Header
			}
			c := vectorClient(t, v, vectorServer(t, 200, headers, body).URL)
			got, _, err := c.call(context.Background(), http.MethodGet, "product_details", nil, idempotent)
			checkValid(t, "call", err, vv.Valid)
			if vv.Valid && string(got) != string(body) {
				t.Errorf("call returned %q", got)
			}
		})
	}
}

func TestConformanceV1(t *testing.T) {
	v := loadVectors(t)
	pub, err := ParsePublicKey(v.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, vv := range v.V1 {
		t.Run(vv.Name, func(t *testing.T) {
			validity := ""
			if vv.ValidityPeriod != nil {
				validity = *vv.ValidityPeriod
			}
			err := verifyLicenseSignature(pub, vv.HardwareID, vv.Identity, validity, vv.Signature)
			checkValid(t, "verifyLicenseSignature", err, vv.Valid)
		})
	}
}

func TestConformanceResponses(t *testing.T) {
	v := loadVectors(t)
	ctx := context.Background()
	for _, rv := range v.Responses {
		t.Run(rv.Name, func(t *testing.T) {
			body := b64(t, rv.BodyBase64)
			c := vectorClient(t, v, vectorServer(t, 200, map[string]string{"LicenseSignature": rv.Header}, body).URL)
			id := Identity{Product: rv.Request["product"], HardwareID: rv.Request["hardware_id"],
				LicenseKey: rv.Request["license_key"], Username: rv.Request["username"], Password: "pw"}
			var n int
			if strings.HasPrefix(string(body), "[") {
				ls, err := c.ActivateBundle(ctx, id)
				checkValid(t, "ActivateBundle", err, rv.Valid)
				n = len(ls)
				ls, err = c.CheckBundle(ctx, id, CheckOptions{})
				checkValid(t, "CheckBundle", err, rv.Valid)
				if rv.Valid && (n < 2 || len(ls) != n) {
					t.Errorf("bundle of %d, %d licenses", n, len(ls))
				}
				return
			}
			l, err := c.ActivateLicense(ctx, id)
			checkValid(t, "ActivateLicense", err, rv.Valid)
			if rv.Valid && (l.ID == 0 || l.ValidityPeriod == nil || l.ValidityPeriod.Year() != 2031) {
				t.Errorf("license = %+v", l)
			}
			_, err = c.CheckLicense(ctx, id, CheckOptions{})
			checkValid(t, "CheckLicense", err, rv.Valid)
		})
	}
}

func TestConformanceErrors(t *testing.T) {
	v := loadVectors(t)
	for _, ev := range v.Errors {
		t.Run(ev.Name, func(t *testing.T) {
			check := func(what string, e *APIError) {
				t.Helper()
				if e.Status != ev.Status || e.Code != ev.Code || e.Message != ev.Message ||
					e.RetryAfter != time.Duration(ev.RetryAfter)*time.Second || e.Retryable() != ev.Retryable {
					t.Errorf("%s: %+v (retryable %v), want %+v", what, e, e.Retryable(), ev)
				}
			}
			h := http.Header{}
			for k, val := range ev.Headers {
				h.Set(k, val)
			}
			check("parseAPIError", parseAPIError(ev.Status, h, []byte(ev.Body)))
			c := vectorClient(t, v, vectorServer(t, ev.Status, ev.Headers, []byte(ev.Body)).URL)
			_, err := c.ProductDetails(context.Background(), ProductDetailsRequest{Product: "P"})
			var e *APIError
			if !errors.As(err, &e) {
				t.Fatalf("ProductDetails error %v is not an *APIError", err)
			}
			check("ProductDetails", e)
		})
	}
}

// checkValid fails unless err is nil for a valid vector and a
// *SignatureError for an invalid one.
func checkValid(t *testing.T, what string, err error, valid bool) {
	t.Helper()
	var se *SignatureError
	switch {
	case valid && err != nil:
		t.Errorf("%s: %v, want success", what, err)
	case !valid && !errors.As(err, &se):
		t.Errorf("%s: %v, want a *SignatureError", what, err)
	}
}
