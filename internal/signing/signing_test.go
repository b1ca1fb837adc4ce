package signing

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestMarshalJSONMatchesJavaScript(t *testing.T) {
	type obj struct {
		A string  `json:"a"`
		B float64 `json:"b"`
		C int64   `json:"c"`
		D any     `json:"d"`
	}
	tests := []struct {
		in   any
		want string
	}{
		{"password_changed", `"password_changed"`},
		{obj{A: "<a href='x'>&</a>", B: 1.0, C: 1750853542919019, D: nil}, `{"a":"<a href='x'>&</a>","b":1,"c":1750853542919019,"d":null}`},
		{obj{A: "line\u2028para\u2029end", B: 0.1, D: []int{}}, "{\"a\":\"line\u2028para\u2029end\",\"b\":0.1,\"c\":0,\"d\":[]}"},
		// A literal backslash followed by "u2028" is text, not the character.
		{`\u2028`, `"\\u2028"`},
		{`\` + "\u2028", `"\\` + "\u2028" + `"`},
		{map[string]any{"x": 1e21, "y": 1e-7, "z": 123456789.5}, `{"x":1e+21,"y":1e-7,"z":123456789.5}`},
		{"ünïcødé / slash \"quote\"\n", `"ünïcødé / slash \"quote\"\n"`},
	}
	for _, tt := range tests {
		got, err := MarshalJSON(tt.in)
		if err != nil {
			t.Fatalf("MarshalJSON(%v): %v", tt.in, err)
		}
		if string(got) != tt.want {
			t.Errorf("MarshalJSON(%#v)\n got %s\nwant %s", tt.in, got, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("MarshalJSON(%#v) is not valid JSON: %s", tt.in, got)
		}
	}
}

func newSigner(t *testing.T) *Signer {
	t.Helper()
	k, err := GenerateKey(2048)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(k, 16)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// verify checks sig the way the SDKs do: with the public key PEM only.
func verify(t *testing.T, publicPEM string, data []byte, sig string) bool {
	t.Helper()
	block, _ := pem.Decode([]byte(publicPEM))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("public key is not an SPKI PEM: %q", publicPEM)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		t.Fatalf("signature is not base64: %v", err)
	}
	sum := sha256.Sum256(data)
	return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, sum[:], raw) == nil
}

func TestSignVerifies(t *testing.T) {
	s := newSigner(t)
	body := []byte(`"password_changed"`)
	sig, err := s.Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	if !verify(t, s.PublicKeyPEM(), body, sig) {
		t.Fatal("signature does not verify with the public key")
	}
	if verify(t, s.PublicKeyPEM(), []byte(`"password_changeD"`), sig) {
		t.Fatal("signature verifies over altered bytes")
	}
}

func TestLicenseSignatureV1(t *testing.T) {
	s := newSigner(t)
	validity := time.Date(2019, 6, 15, 0, 0, 0, 0, time.UTC)
	sig, err := s.LicenseSignatureV1("HW-1", "FUH3-4E7A-LZJL-7JTP", &validity)
	if err != nil {
		t.Fatal(err)
	}
	if !verify(t, s.PublicKeyPEM(), []byte("hw-1#fuh3-4e7a-lzjl-7jtp#2019-06-15t00:00:00.000z"), sig) {
		t.Fatal("v1 signature does not cover lower(hardware_id#key#validity)")
	}
	sig, err = s.LicenseSignatureV1("hw", "User@Example.com|DSE2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !verify(t, s.PublicKeyPEM(), []byte("hw#user@example.com#"), sig) {
		t.Fatal("v1 signature must cut the username at '|' and end in '#' without validity")
	}
}

func TestFormatTime(t *testing.T) {
	ts := time.Date(2031, 3, 4, 1, 2, 3, 4_500_000, time.FixedZone("X", 3600))
	if got, want := FormatTime(ts), "2031-03-04T00:02:03.004Z"; got != want {
		t.Fatalf("FormatTime = %q, want %q", got, want)
	}
}

func TestKeyRoundTripAndSizes(t *testing.T) {
	if _, err := GenerateKey(1024); err == nil || !strings.Contains(err.Error(), "2048") {
		t.Fatalf("a 1024-bit key must be refused, got %v", err)
	}
	k, err := GenerateKey(2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := MarshalPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(k) {
		t.Fatal("key changed in a marshal round trip")
	}
}

// A remembered signature is only ever returned for the same bytes: a
// changed response is signed afresh, and the cache stays bounded.
func TestSignatureCache(t *testing.T) {
	s := newSigner(t)
	a1, _ := s.Sign([]byte(`{"times_activated":1}`))
	a2, _ := s.Sign([]byte(`{"times_activated":1}`))
	b, _ := s.Sign([]byte(`{"times_activated":2}`))
	if a1 != a2 {
		t.Fatal("the same bytes got two signatures")
	}
	if a1 == b {
		t.Fatal("changed bytes got the remembered signature")
	}
	if !verify(t, s.PublicKeyPEM(), []byte(`{"times_activated":2}`), b) {
		t.Fatal("the fresh signature does not verify")
	}
	if size, hits, misses := s.CacheStats(); hits != 1 || misses != 2 || size != 2 {
		t.Fatalf("cache stats size=%d hits=%d misses=%d, want 2, 1, 2", size, hits, misses)
	}
	for i := range 100 {
		if _, err := s.Sign([]byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if size, _, _ := s.CacheStats(); size > 16 {
		t.Fatalf("cache holds %d signatures, limit 16", size)
	}
	k, _ := GenerateKey(2048)
	off, _ := New(k, 0)
	sig, _ := off.Sign([]byte("x"))
	if !verify(t, off.PublicKeyPEM(), []byte("x"), sig) {
		t.Fatal("an uncached signer signs wrongly")
	}
}
