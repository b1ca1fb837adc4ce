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
	in.t.Helper()
	r, invalid, err := send(http.DefaultClient, apiKey, sharedKey, in.publicKey, base, method, path, params)
	if err != nil {
		in.t.Fatalf("%s %s: %v", method, path, err)
	}
	if invalid != nil {
		in.t.Fatal(invalid)
	}
	return r
}

// send makes one signed License API request and reads the answer. err is a
// request that got no complete answer; invalid an answer that breaks the
// protocol (a 200 whose signature does not verify with publicPEM, or an
// error body that is not {status, code, message}). It never fails a test,
// so that goroutines may call it.
func send(client *http.Client, apiKey, sharedKey, publicPEM, base, method, path string, params map[string]any) (r result, invalid, err error) {
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
		return r, nil, err
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", auth.AuthorizationHeader(apiKey, []byte(sharedKey), date))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return r, nil, err
	}
	defer resp.Body.Close()
	r = result{Status: resp.StatusCode, Header: resp.Header}
	if r.Body, err = io.ReadAll(resp.Body); err != nil {
		return r, nil, err
	}
	if r.Status == http.StatusOK {
		if err := verifyV2(publicPEM, r.Body, resp.Header.Get("LicenseSignature")); err != nil {
			invalid = fmt.Errorf("%s %s: the answer's signature does not verify: %v\n%s", method, path, err, r.Body)
		}
	} else if err := json.Unmarshal(r.Body, &r.Error); err != nil || r.Error.Code == "" {
		invalid = fmt.Errorf("%s %s: %d with a body that is not a License API error: %q", method, path, r.Status, r.Body)
	}
	return r, invalid, nil
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
