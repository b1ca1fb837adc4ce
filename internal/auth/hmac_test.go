package auth

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/problem"
)

// The worked example of license-api.md §2.1.
func TestSignatureWorkedExample(t *testing.T) {
	got := Signature([]byte("kw4qSnpSwXzgiv5yxYpZZmFEd9QAeiKTQ6OuyMja"), "Tue, 07 Jun 2011 20:51:35 GMT")
	if want := "UDysfR6MndUZReo07Y9r+vErn8vSxrnQ5ulit18iJ/Q="; got != want {
		t.Fatalf("signature = %q, want %q", got, want)
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string // nil: unparseable
	}{
		{`algorithm="hmac-sha256",headers="date",signature="a+b/c==",apikey="k"`,
			map[string]string{"algorithm": "hmac-sha256", "headers": "date", "signature": "a+b/c==", "apikey": "k"}},
		{`algorithm="hmac-sha256", headers="date", signature="x=", apiKey="K1"`,
			map[string]string{"algorithm": "hmac-sha256", "headers": "date", "signature": "x=", "apikey": "K1"}},
		{`  Algorithm = "a" ,  APIKEY="b"  `, map[string]string{"algorithm": "a", "apikey": "b"}},
		{`signature="a=b,c"`, map[string]string{"signature": "a=b,c"}},
		{`signature="s",extra="ignored"`, map[string]string{"signature": "s"}},
		{`garbage`, nil},
		{`Bearer abc.def`, nil},
		{`algorithm=hmac-sha256`, nil},       // unquoted
		{`algorithm="hmac-sha256`, nil},      // unterminated
		{`algorithm="a",,headers="b"`, nil},  // empty pair
		{`algorithm="a" headers="b"`, nil},   // no comma
		{`algorithm="a",algorithm="b"`, nil}, // repeated key
		{`algorithm="a",`, nil},              // trailing comma
		{`="a"`, nil},                        // no key
	}
	for _, tt := range tests {
		p, ok := parseParams(tt.in)
		if tt.want == nil {
			if ok {
				t.Errorf("parseParams(%q) = %+v, want failure", tt.in, p)
			}
			continue
		}
		if !ok {
			t.Errorf("parseParams(%q) failed", tt.in)
			continue
		}
		got := map[string]string{"algorithm": p.algorithm, "headers": p.headers, "signature": p.signature, "apikey": p.apiKey}
		for k, v := range got {
			if v != tt.want[k] {
				t.Errorf("parseParams(%q)[%s] = %q, want %q", tt.in, k, v, tt.want[k])
			}
		}
	}
}

func TestVerifyOrder(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	shared := []byte("shared-secret")
	lookup := func(_ context.Context, key string) (*Credential, error) {
		if key == "good" {
			return &Credential{ID: 7, CompanyID: 3, APIKey: key, SharedKey: shared}, nil
		}
		return nil, ErrUnknownKey
	}
	v := NewVerifier(lookup, 15*time.Minute, func() time.Time { return now })
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	hdr := func(date, auth string) http.Header {
		h := http.Header{}
		if date != "" {
			h.Set("Date", date)
		}
		if auth != "" {
			h.Set("Authorization", auth)
		}
		return h
	}
	good := func(d string) string { return AuthorizationHeader("good", shared, d) }
	sig := func(d string) string { return Signature(shared, d) }

	tests := []struct {
		name string
		h    http.Header
		code string // "" = accepted
	}{
		{"valid", hdr(date(0), good(date(0))), ""},
		{"valid apiKey spelling", hdr(date(0), `algorithm="hmac-sha256",headers="date",signature="`+sig(date(0))+`",apiKey="good"`), ""},
		{"valid with spaces", hdr(date(0), `algorithm="hmac-sha256", headers="date", signature="`+sig(date(0))+`", apikey="good"`), ""},
		{"14 minutes old", hdr(date(-14*time.Minute), good(date(-14*time.Minute))), ""},
		{"14 minutes ahead", hdr(date(14*time.Minute), good(date(14*time.Minute))), ""},
		{"no headers", hdr("", ""), problem.CodeMissingHeaders},
		{"no date", hdr("", good(date(0))), problem.CodeMissingHeaders},
		{"no authorization", hdr(date(0), ""), problem.CodeMissingHeaders},
		{"unparseable authorization", hdr(date(0), "garbage"), problem.CodeAuthorizationInvalidHeaders},
		{"bearer", hdr(date(0), "Bearer x"), problem.CodeAuthorizationInvalidHeaders},
		{"apikey only", hdr(date(0), `apikey="good"`), problem.CodeAuthorizationMissingParams},
		{"no signature", hdr(date(0), `algorithm="hmac-sha256",headers="date",apikey="good"`), problem.CodeAuthorizationMissingParams},
		{"empty signature", hdr(date(0), `algorithm="hmac-sha256",headers="date",signature="",apikey="good"`), problem.CodeAuthorizationMissingParams},
		{"sha1", hdr(date(0), `algorithm="hmac-sha1",headers="date",signature="`+sig(date(0))+`",apikey="good"`), problem.CodeHMACRequired},
		{"unknown key", hdr(date(0), AuthorizationHeader("bad", shared, date(0))), problem.CodeInvalidAPIKey},
		// Row 5 comes before row 6: an unknown key with a bad date is invalid_api_key.
		{"unknown key and old date", hdr(date(-time.Hour), AuthorizationHeader("bad", shared, date(-time.Hour))), problem.CodeInvalidAPIKey},
		{"unparseable date", hdr("yesterday", good("yesterday")), problem.CodeDateHeaderDiff},
		{"16 minutes old", hdr(date(-16*time.Minute), good(date(-16*time.Minute))), problem.CodeDateHeaderDiff},
		{"16 minutes ahead", hdr(date(16*time.Minute), good(date(16*time.Minute))), problem.CodeDateHeaderDiff},
		// Row 6 before row 7.
		{"old date and bad signature", hdr(date(-time.Hour), AuthorizationHeader("good", []byte("wrong"), date(-time.Hour))), problem.CodeDateHeaderDiff},
		{"wrong shared key", hdr(date(0), AuthorizationHeader("good", []byte("wrong"), date(0))), problem.CodeSignatureMismatch},
		{"signature of another date", hdr(date(0), good(date(-time.Second))), problem.CodeSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := v.Verify(context.Background(), tt.h)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if cred.ID != 7 || cred.CompanyID != 3 {
					t.Fatalf("credential = %+v", cred)
				}
				return
			}
			pe, ok := problem.As(err)
			if !ok {
				t.Fatalf("Verify error = %v, want code %s", err, tt.code)
			}
			if pe.Code != tt.code {
				t.Fatalf("code = %s (%s), want %s", pe.Code, pe.Message, tt.code)
			}
		})
	}
}

func TestMissingHeadersMessageNamesTheHeader(t *testing.T) {
	v := NewVerifier(nil, time.Minute, nil)
	for _, tt := range []struct {
		h    http.Header
		want string
	}{
		{http.Header{"Authorization": {"x"}}, "some headers are missing: Date"},
		{http.Header{"Date": {"x"}}, "some headers are missing: Authorization"},
		{http.Header{}, "some headers are missing: Date, Authorization"},
	} {
		_, err := v.Verify(context.Background(), tt.h)
		pe, _ := problem.As(err)
		if pe == nil || pe.Message != tt.want {
			t.Errorf("message = %v, want %q", err, tt.want)
		}
	}
}

// A credential remembers the last Date and signature that verified; only
// that exact pair skips the HMAC.
func TestVerifiedPairIsRememberedExactly(t *testing.T) {
	now := time.Now()
	cred := &Credential{ID: 1, APIKey: "k", SharedKey: []byte("secret")}
	v := NewVerifier(func(context.Context, string) (*Credential, error) { return cred, nil }, time.Minute, nil)
	date := now.UTC().Format(http.TimeFormat)
	h := http.Header{"Date": {date}, "Authorization": {AuthorizationHeader("k", []byte("secret"), date)}}
	for range 2 {
		if _, err := v.Verify(context.Background(), h); err != nil {
			t.Fatal(err)
		}
	}
	bad := http.Header{"Date": {date}, "Authorization": {AuthorizationHeader("k", []byte("other"), date)}}
	if _, err := v.Verify(context.Background(), bad); err == nil {
		t.Fatal("a wrong signature with the remembered Date was accepted")
	}
	later := now.Add(time.Second).UTC().Format(http.TimeFormat)
	old := http.Header{"Date": {later}, "Authorization": {AuthorizationHeader("k", []byte("secret"), date)}}
	if _, err := v.Verify(context.Background(), old); err == nil {
		t.Fatal("the remembered signature was accepted for another Date")
	}
}
