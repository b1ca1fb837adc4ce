package licenseapi_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/testkit"
)

func TestUnknownPathsAndMethods(t *testing.T) {
	s := testkit.Start(t)
	for _, p := range []string{"/api/v4/nope", "/api/v4/", "/api/v3/change_password", "/", "/api/v4/change_password//", "/api/v4//"} {
		wantError(t, s.Do(testkit.Request{Method: "GET", Path: p}), 404, "not_found")
	}
	// One trailing slash names the same endpoint (license-api.md §1).
	wantError(t, s.Do(testkit.Request{Method: "GET", Path: "/api/v4/change_password/"}), 405, "method_not_allowed")
	r := s.Do(testkit.Request{Method: "GET", Path: "/api/v4/public_key/"})
	if r.Status != 200 || string(r.Body) != s.App.Signer.PublicKeyPEM() {
		t.Fatalf("public_key/ = %d %s", r.Status, r.Body)
	}
	// What a client sent is clipped before it reaches a message or the log.
	long := "/api/v4/" + strings.Repeat("a", 20000)
	if r := wantError(t, s.Do(testkit.Request{Method: "GET", Path: long}), 404, "not_found"); len(r["message"].(string)) > 200 {
		t.Fatalf("a 404 message of %d bytes", len(r["message"].(string)))
	}
	for _, line := range strings.Split(s.Logs.String(), "\n") {
		if len(line) > 1000 {
			t.Fatalf("a log line of %d bytes", len(line))
		}
	}
	// Unknown paths answer 404 before authorization is looked at.
	wantError(t, s.Do(testkit.Request{Method: "POST", Path: "/api/v4/nope", Header: map[string]string{"Date": "", "Authorization": ""}}), 404, "not_found")
	r = s.Do(testkit.Request{Method: "DELETE", Path: "/api/v4/public_key"})
	wantError(t, r, 405, "method_not_allowed")
	if r.Header.Get("Allow") != "GET" {
		t.Fatalf("Allow = %q", r.Header.Get("Allow"))
	}
}

func TestPublicKeyIsServedWithoutAuthorization(t *testing.T) {
	s := testkit.Start(t)
	r := s.Do(testkit.Request{Method: "GET", Path: "/api/v4/public_key", Header: map[string]string{"Date": "", "Authorization": ""}})
	if r.Status != 200 || string(r.Body) != s.App.Signer.PublicKeyPEM() {
		t.Fatalf("public_key = %d %q", r.Status, r.Body)
	}
}

// The LicenseSignature header is an RSA-SHA256 signature over the exact
// bytes of the body, verifiable with the published public key alone.
func TestResponsesAreSignedOverTheExactBytes(t *testing.T) {
	f := newFixture(t)
	r := f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, f.password, "a new password")})
	wantChanged(t, r)
	pemText := f.Do(testkit.Request{Method: "GET", Path: "/api/v4/public_key"}).Body
	block, _ := pem.Decode(pemText)
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get("LicenseSignature"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(r.Body)
	if err := rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("LicenseSignature does not verify over the body %q: %v", r.Body, err)
	}
	if strings.HasSuffix(string(r.Body), "\n") {
		t.Fatal("body ends in a newline")
	}
}

// An unexpected failure is a 500 internal_error whose body tells nothing
// of the cause; the cause goes to the log.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	f := newFixture(t)
	// Corrupt the stored hash so that the server cannot parse it.
	u := f.user(t, f.userID)
	if err := f.App.Store.Writer().RehashPassword(context.Background(), u.ID, u.PasswordHash, "$argon2id$garbage", u.CreatedAt); err != nil {
		t.Fatal(err)
	}
	r := f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, f.password, "a new password")})
	m := wantError(t, r, 500, "internal_error")
	if m["message"] != "internal server error" {
		t.Fatalf("500 message = %q, want the generic one", m["message"])
	}
	if !strings.Contains(f.Logs.String(), "malformed argon2id hash") {
		t.Fatalf("the cause was not logged:\n%s", f.Logs.String())
	}
}

func TestHealthz(t *testing.T) {
	s := testkit.Start(t)
	r := s.Do(testkit.Request{Method: "GET", Path: "/healthz"})
	if r.Status != 200 {
		t.Fatalf("healthz = %d", r.Status)
	}
}
