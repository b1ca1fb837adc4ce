package auth

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/problem"
)

// The Authorization and Date headers are the first untrusted bytes every
// request hands the server, before any credential is known, so their
// parsing is fuzzed. Seed corpora live in testdata/fuzz/<target>/ and run
// as plain tests under `go test`; the f.Add seeds below are the same.

// The worked example of license-api.md §2.1, and the clock that makes its
// Date current.
const (
	fuzzAPIKey = "3fcc5deb-86d6-4b2a-933c-97666984bc2d"
	fuzzShared = "kw4qSnpSwXzgiv5yxYpZZmFEd9QAeiKTQ6OuyMja"
	fuzzDate   = "Tue, 07 Jun 2011 20:51:35 GMT"
	fuzzSkew   = 15 * time.Minute
)

var fuzzNow = time.Date(2011, 6, 7, 20, 51, 35, 0, time.UTC)

func fuzzSig(date string) string { return Signature([]byte(fuzzShared), date) }

// fuzzHeaderSeeds are Date and Authorization pairs: what the clients send,
// and one example of each way a header can be wrong.
var fuzzHeaderSeeds = []struct{ date, auth string }{
	// Node SDK and Postman: apikey=, no spaces.
	{fuzzDate, AuthorizationHeader(fuzzAPIKey, []byte(fuzzShared), fuzzDate)},
	// Python SDK: apiKey=.
	{fuzzDate, `algorithm="hmac-sha256",headers="date",signature="` + fuzzSig(fuzzDate) + `",apiKey="` + fuzzAPIKey + `"`},
	// Docs examples: a space after each comma; tabs and spaces around "=".
	{fuzzDate, `algorithm="hmac-sha256", headers="date", signature="` + fuzzSig(fuzzDate) + `", apikey="` + fuzzAPIKey + `"`},
	{" " + fuzzDate + " ", "\t Algorithm = \"HMAC-SHA256\" ,\tHEADERS=\"date\" , Signature=\"" + fuzzSig(fuzzDate) + "\" , APIKEY=\"" + fuzzAPIKey + "\" "},
	// The other date forms http.ParseTime accepts, signed over their text.
	{"Tuesday, 07-Jun-11 20:51:35 GMT", AuthorizationHeader(fuzzAPIKey, []byte(fuzzShared), "Tuesday, 07-Jun-11 20:51:35 GMT")},
	{"Tue Jun  7 20:51:35 2011", AuthorizationHeader(fuzzAPIKey, []byte(fuzzShared), "Tue Jun  7 20:51:35 2011")},
	// The skew boundary: 15 minutes ahead passes, one second more fails.
	{"Tue, 07 Jun 2011 21:06:35 GMT", AuthorizationHeader(fuzzAPIKey, []byte(fuzzShared), "Tue, 07 Jun 2011 21:06:35 GMT")},
	{"Tue, 07 Jun 2011 21:06:36 GMT", AuthorizationHeader(fuzzAPIKey, []byte(fuzzShared), "Tue, 07 Jun 2011 21:06:36 GMT")},
	{"Tue, 07 Jun 2011 20:36:34 GMT", AuthorizationHeader(fuzzAPIKey, []byte(fuzzShared), "Tue, 07 Jun 2011 20:36:34 GMT")},
	// Missing headers.
	{"", ""},
	{fuzzDate, ""},
	{"", AuthorizationHeader(fuzzAPIKey, []byte(fuzzShared), fuzzDate)},
	{" \t", "\t "},
	// Unparseable Authorization.
	{fuzzDate, "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig"},
	{fuzzDate, `algorithm="hmac-sha256",headers="date",signature="` + fuzzSig(fuzzDate)},
	{fuzzDate, `algorithm=hmac-sha256,headers=date`},
	{fuzzDate, `algorithm="a",,headers="b"`},
	{fuzzDate, `algorithm="a" headers="b"`},
	{fuzzDate, `algorithm="hmac-sha256",`},
	{fuzzDate, `="x"`},
	{fuzzDate, `apikey="a",apiKey="b",algorithm="hmac-sha256",headers="date",signature="x"`},
	{fuzzDate, "algorithm=\"hmac\x00sha256\",headers=\"d\u00e4te\",signature=\"\xff\xfe\",apikey=\"\u2603\""},
	// Missing parameters (unknown keys are ignored, also when repeated).
	{fuzzDate, `apikey="` + fuzzAPIKey + `"`},
	{fuzzDate, `algorithm="hmac-sha256",headers="date",signature="",apikey="` + fuzzAPIKey + `"`},
	{fuzzDate, `x="1",x="2",algorithm="hmac-sha256",headers="date",apikey="` + fuzzAPIKey + `"`},
	// Wrong algorithm, unknown key, bad date, wrong signature.
	{fuzzDate, `algorithm="hmac-sha1",headers="date",signature="` + fuzzSig(fuzzDate) + `",apikey="` + fuzzAPIKey + `"`},
	{fuzzDate, AuthorizationHeader(strings.ToUpper(fuzzAPIKey), []byte(fuzzShared), fuzzDate)},
	{"yesterday", AuthorizationHeader(fuzzAPIKey, []byte(fuzzShared), "yesterday")},
	{"Tue, 07 Jun 2011 20:51:35 +0000", AuthorizationHeader(fuzzAPIKey, []byte(fuzzShared), "Tue, 07 Jun 2011 20:51:35 +0000")},
	{fuzzDate, AuthorizationHeader(fuzzAPIKey, []byte("wrong"), fuzzDate)},
	{fuzzDate, `algorithm="hmac-sha256",headers="date",signature="+/+/+/==",apikey="` + fuzzAPIKey + `"`},
	{fuzzDate, `algorithm="hmac-sha256",headers="date",signature="` + strings.TrimRight(fuzzSig(fuzzDate), "=") + `",apikey="` + fuzzAPIKey + `"`},
}

// fuzzAuthCodes are the codes Verify may answer with.
var fuzzAuthCodes = map[string]bool{
	problem.CodeMissingHeaders: true, problem.CodeAuthorizationInvalidHeaders: true,
	problem.CodeAuthorizationMissingParams: true, problem.CodeHMACRequired: true,
	problem.CodeInvalidAPIKey: true, problem.CodeDateHeaderDiff: true, problem.CodeSignatureMismatch: true,
}

func FuzzParseParams(f *testing.F) {
	for _, s := range fuzzHeaderSeeds {
		f.Add(s.auth)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parseParams(s)
		want, wantOK := refParseParams(s)
		if ok != wantOK || p != want {
			t.Fatalf("parseParams(%q) = %+v, %v; the grammar says %+v, %v", s, p, ok, want, wantOK)
		}
		if !ok {
			return
		}
		var pairs []string
		for _, kv := range [][2]string{{"algorithm", p.algorithm}, {"headers", p.headers}, {"signature", p.signature}, {"apikey", p.apiKey}} {
			if kv[1] == "" {
				continue
			}
			// Values are taken verbatim from between quotes, never
			// unescaped or trimmed.
			if !strings.Contains(s, `"`+kv[1]+`"`) {
				t.Fatalf("parseParams(%q): %s = %q is not a quoted substring of the input", s, kv[0], kv[1])
			}
			pairs = append(pairs, kv[0]+`="`+kv[1]+`"`)
		}
		if len(pairs) == 0 {
			return // nothing licensor reads; an empty header is not a list
		}
		again := strings.Join(pairs, ",")
		if p2, ok := parseParams(again); !ok || p2 != p {
			t.Fatalf("round trip: parseParams(%q) = %+v, %v; want %+v (from %q)", again, p2, ok, p, s)
		}
	})
}

// refPair is one `key="value"` pair with optional blanks around it and
// around "=": the grammar of license-api.md §2.1 written a second way, so
// that the fuzzer compares two readings of it rather than trusting one.
var refPair = regexp.MustCompile(`^[ \t]*([A-Za-z0-9_-]+)[ \t]*=[ \t]*"([^"]*)"[ \t]*`)

func refParseParams(s string) (authParams, bool) {
	var p authParams
	seen := map[string]bool{}
	for {
		m := refPair.FindStringSubmatch(s)
		if m == nil {
			return authParams{}, false
		}
		s = s[len(m[0]):]
		key := strings.ToLower(m[1])
		dst := map[string]*string{"algorithm": &p.algorithm, "headers": &p.headers, "signature": &p.signature, "apikey": &p.apiKey}[key]
		if dst != nil {
			if seen[key] {
				return authParams{}, false
			}
			seen[key], *dst = true, m[2]
		}
		if s == "" {
			return p, true
		}
		if s[0] != ',' {
			return authParams{}, false
		}
		s = s[1:]
	}
}

func FuzzVerify(f *testing.F) {
	for _, s := range fuzzHeaderSeeds {
		f.Add(s.date, s.auth)
	}
	f.Fuzz(func(t *testing.T, date, authz string) {
		// A fresh credential per input keeps each run independent of the
		// last one's remembered pair; the second Verify below then takes
		// the remembered-pair path, which must agree with the first.
		known := &Credential{ID: 7, CompanyID: 3, APIKey: fuzzAPIKey, SharedKey: []byte(fuzzShared)}
		lookup := func(_ context.Context, key string) (*Credential, error) {
			if key == fuzzAPIKey {
				return known, nil
			}
			return nil, ErrUnknownKey
		}
		v := NewVerifier(lookup, fuzzSkew, func() time.Time { return fuzzNow })
		h := http.Header{"Date": {date}, "Authorization": {authz}}

		valid := fuzzValid(date, authz)
		for attempt := range 2 {
			cred, err := v.Verify(context.Background(), h)
			if err != nil {
				pe, ok := problem.As(err)
				if !ok || !fuzzAuthCodes[pe.Code] {
					t.Fatalf("attempt %d: Verify(%q, %q) error %v is not an auth problem", attempt, date, authz, err)
				}
				if valid {
					t.Fatalf("attempt %d: Verify(%q, %q) refused a correctly signed request: %v", attempt, date, authz, err)
				}
				continue
			}
			if !valid {
				t.Fatalf("attempt %d: Verify(%q, %q) accepted a request that is not signed with the known key within the skew", attempt, date, authz)
			}
			if cred != known {
				t.Fatalf("attempt %d: Verify returned credential %+v, want the known one", attempt, cred)
			}
		}
	})
}

// fuzzValid reports whether the headers carry a correct signature of the
// known credential over a date within the skew, judged from the contract
// rather than from Verify's steps.
func fuzzValid(date, authz string) bool {
	date, authz = strings.TrimSpace(date), strings.TrimSpace(authz)
	p, ok := refParseParams(authz)
	if !ok || p.headers == "" || !strings.EqualFold(p.algorithm, "hmac-sha256") || p.apiKey != fuzzAPIKey {
		return false
	}
	t, err := http.ParseTime(date)
	if err != nil || t.Before(fuzzNow.Add(-fuzzSkew)) || t.After(fuzzNow.Add(fuzzSkew)) {
		return false
	}
	return date != "" && p.signature == fuzzSig(date)
}
