package e2e

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/auth"
)

// result is one License API answer.
type result struct {
	Status int
	Body   []byte
	Header http.Header
	Error  struct {
		Status  int    `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
}

// api sends a signed License API request: params go in the JSON body of a
// POST and in the query string of a GET. Every 200 answer must carry a
// LicenseSignature that verifies with the instance's public key.
func (in *instance) api(method, path string, params map[string]any) result {
	in.t.Helper()
	return in.apiAs(in.apiKey, in.sharedKey, in.url, method, path, params)
}

func (in *instance) apiAs(apiKey, sharedKey, base, method, path string, params map[string]any) result {
	t := in.t
	t.Helper()
	u := base + "/api/v4/" + path
	var body io.Reader
	if method == http.MethodGet {
		q := url.Values{}
		for k, v := range params {
			q.Set(k, fmt.Sprint(v))
		}
		u += "?" + q.Encode()
	} else {
		b, _ := json.Marshal(params)
		body = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", auth.AuthorizationHeader(apiKey, []byte(sharedKey), date))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	r := result{Status: resp.StatusCode, Header: resp.Header}
	if r.Body, err = io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	if r.Status == http.StatusOK {
		if err := verifyV2(in.publicKey, r.Body, resp.Header.Get("LicenseSignature")); err != nil {
			t.Fatalf("%s %s: the answer's signature does not verify: %v\n%s", method, path, err, r.Body)
		}
	} else if err := json.Unmarshal(r.Body, &r.Error); err != nil || r.Error.Code == "" {
		t.Fatalf("%s %s: %d with a body that is not a License API error: %q", method, path, r.Status, r.Body)
	}
	return r
}

// verifyV2 checks a LicenseSignature header over the exact body bytes
// (license-api.md §3.2).
func verifyV2(publicPEM string, body []byte, sig string) error {
	block, _ := pem.Decode([]byte(publicPEM))
	if block == nil {
		return fmt.Errorf("no PEM public key")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("signature is not base64: %w", err)
	}
	sum := sha256.Sum256(body)
	return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, sum[:], raw)
}

// wantOK asserts a 200 and decodes its body into v (nil: ignore it).
func wantOK(t *testing.T, r result, v any) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("got %d %s (%s), want 200", r.Status, r.Error.Code, r.Error.Message)
	}
	if v != nil {
		if err := json.Unmarshal(r.Body, v); err != nil {
			t.Fatalf("decode %s: %v", r.Body, err)
		}
	}
}

// wantCode asserts an error answer.
func wantCode(t *testing.T, r result, status int, code string) {
	t.Helper()
	if r.Status != status || r.Error.Code != code || r.Error.Status != status || r.Error.Message == "" {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, code)
	}
}
