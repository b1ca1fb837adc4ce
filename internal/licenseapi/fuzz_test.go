package licenseapi

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Request bodies and query strings reach these decoders from anyone who
// can sign a request (an API key ships inside every copy of an
// application), so they are fuzzed: they must never panic, must answer
// only the client-error codes the contract lists, and must never let a
// value past its length limit (limits.go) into the service. Seed corpora
// live in testdata/fuzz/<target>/ and run as plain tests under `go test`.

// fuzzBodySeeds are JSON bodies as the SDKs send them and one example of
// each way a body can be wrong.
var fuzzBodySeeds = []string{
	`{"username":"ann@example.com","password":"old-pw","new_password":"new-pw"}`,
	`{"product":"KEY","hardware_id":"0f3c9a1e","license_key":"AAAA-BBBB-CCCC-DDDD","app_ver":"1.2.3","sdk_ver":"NodeJS SDK 1.2","os_ver":"Linux","hostname":"build-7","is_vm":false,"vm_info":"","variables":{"seats":"5","gpu":true,"n":3,"none":null}}`,
	`{"product":"USR","hardware_id":"hw","username":"ann@example.com","password":"pw","license_id":1750853542919019,"bundle_code":"B","is_vm":"true","sdk_ver":"PythonSDK 2.0","ip":["10.0.0.1"]}`,
	"",
	" \t\r\n",
	`{"username":"a",`,
	`{"username":"a"}{"password":"b"}`,
	`["username","password"]`,
	`"password_changed"`,
	`null`,
	`{"username":1,"password":true,"new_password":null}`,
	`{"username":{"nested":{"deeper":["x"]}},"variables":{"a":{"b":{"c":1}}}}`,
	`{"username":"first","username":"second","license_id":"7"}`,
	`{"extra":"ignored here, refused by change_password","password":"p"}`,
	`{"username":"\u0000nul\u0000","password":"\ud83d\ude00 caf\u00e9 \u2603","hardware_id":"\ud800"}`,
	"{\"username\":\"raw \xff\xfe bytes\",\"password\":\"\xed\xa0\x80\"}",
	"{\"username\":\"raw\ttab\"}",
	`{"license_id":99999999999999999999,"product":"P"}`,
	`{"license_id":-1}`,
	`{"license_id":1e3}`,
	`{"license_id":1.0}`,
	`{"is_vm":1,"include_expired_features":"yes"}`,
	`{"product":"` + strings.Repeat("p", maxCode) + `","hardware_id":"` + strings.Repeat("h", maxHardware+1) + `"}`,
	`{"password":"` + strings.Repeat("\u00e9", maxPassword/2+1) + `"}`,
	`{"app_ver":` + strings.Repeat("1", maxTelemetry+1) + `}`,
	`{"variables":{"` + strings.Repeat("k", maxVariableName+1) + `":"v"}}`,
	`{"variables":{"":"empty name"}}`,
	`{"variables":["not","an","object"]}`,
	`{"variables":"{\"a\":\"b\"}"}`,
	"\ufeff{\"username\":\"bom\"}",
}

// fuzzQuerySeeds are query strings as the SDKs send them and one example
// of each way one can be wrong.
var fuzzQuerySeeds = []string{
	"product=KEY&hardware_id=0f3c9a1e&license_key=AAAA-BBBB-CCCC-DDDD&include_expired_features=false",
	"product=USR&hardware_id=hw&username=ann%40example.com&license_id=1750853542919019&include_expired_features=true&sdk_ver=PythonSDK+2.0&is_vm=False",
	"product=KEY&feature=f1&license_key=K&hardware_id=hw",
	"product=TRIAL&hardware_id=hw&email=ann%40example.com&first_name=Ann&last_name=Lee&company_name=ACME+Inc.&country=D%C3%A4nemark",
	"product=P&include_latest_version=1&include_custom_fields=0&env=win_x64",
	"",
	"&&=&a",
	"license_id=-1&license_id=2",
	"license_id=99999999999999999999",
	"license_id=0x10",
	"include_expired_features=yes",
	"product=%zz&hardware_id=%",
	"product=a;hardware_id=b",
	"username=%00nul%00&password=%F0%9F%98%80&hardware_id=%ED%A0%80",
	"feature=" + strings.Repeat("f", maxCode+1),
	"email=" + strings.Repeat("e", maxEmail) + "&customer=" + strings.Repeat("c", maxEmail+1),
	"vm_info=" + strings.Repeat("%C3%A9", maxVMInfo/2+1),
	"product=a+b%20c&product=second",
}

// fuzzPostCodes and fuzzQueryCodes are what the decoders may answer.
var (
	fuzzPostCodes  = map[string]bool{problem.CodeInvalidJSON: true, problem.CodeValidationError: true, problem.CodeRequestTooLarge: true}
	fuzzQueryCodes = map[string]bool{problem.CodeValidationError: true}
)

// fuzzStrParams are the string parameters the endpoints read with str.
var fuzzStrParams = []string{"product", "hardware_id", "license_key", "username", "password", "bundle_code", "feature", "email",
	"customer", "env", "first_name", "last_name", "phone", "address", "postcode", "state", "country", "city", "reference", "company_name"}

// fuzzBoolParams are the boolean parameters the endpoints read.
var fuzzBoolParams = []string{"include_expired_features", "include_latest_version", "include_custom_fields"}

// fuzzProblem fails unless err is a *problem.Error with one of codes.
func fuzzProblem(t *testing.T, what string, err error, codes map[string]bool) {
	t.Helper()
	if pe, ok := problem.As(err); !ok || !codes[pe.Code] {
		t.Fatalf("%s: error %v is not one of the expected client errors", what, err)
	}
}

// fuzzLen fails when a value that got through is longer than its limit.
func fuzzLen(t *testing.T, name, value string) {
	t.Helper()
	if err := checkLen(name, value); err != nil {
		t.Fatalf("%s got through with %d bytes: %v", name, len(value), err)
	}
}

func FuzzDecodeStringObject(f *testing.F) {
	for _, s := range fuzzBodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		allowed := []string{"username", "password", "new_password"}
		got, err := decodeStringObject(body, allowed...)
		if err != nil {
			if pe, ok := problem.As(err); !ok || (pe.Code != problem.CodeInvalidJSON && pe.Code != problem.CodeValidationError) {
				t.Fatalf("decodeStringObject(%q): error %v", body, err)
			}
			return
		}
		for k := range got {
			if k != "username" && k != "password" && k != "new_password" {
				t.Fatalf("decodeStringObject(%q) let through property %q", body, k)
			}
		}
		if len(bytes.TrimSpace(body)) == 0 {
			if len(got) != 0 {
				t.Fatalf("decodeStringObject(%q) = %v, want an empty object", body, got)
			}
			return
		}
		if !json.Valid(body) {
			return // only a JSON body has a reference reading
		}
		var want map[string]string
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("decodeStringObject(%q) = %v, but encoding/json refuses it as map[string]string: %v", body, got, err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("decodeStringObject(%q) = %v, encoding/json reads %v", body, got, want)
		}
	})
}

// fuzzPost sends body to an API whose body limit is limit.
func fuzzPost(limit int64, body []byte) (*API, http.ResponseWriter, *http.Request) {
	a := &API{cfg: Config{MaxBodyBytes: limit}}
	r := httptest.NewRequest(http.MethodPost, "/api/v4/activate_license", bytes.NewReader(body))
	return a, httptest.NewRecorder(), r
}

func FuzzPostParams(f *testing.F) {
	for _, s := range fuzzBodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// The endpoints' own readers: activate and deactivate (licenses
		// and bundles alike).
		a, w, r := fuzzPost(DefaultMaxBodyBytes, body)
		if in, _, err := a.activateInput(w, r); err != nil {
			fuzzProblem(t, "activateInput", err, fuzzPostCodes)
		} else {
			fuzzIdentity(t, in.Identity)
			fuzzTelemetry(t, in.Telemetry)
			fuzzVariables(t, in.Variables)
		}
		a, w, r = fuzzPost(DefaultMaxBodyBytes, body)
		if id, vars, err := a.deactivateInput(w, r); err != nil {
			fuzzProblem(t, "deactivateInput", err, fuzzPostCodes)
		} else {
			fuzzIdentity(t, id)
			fuzzVariables(t, vars)
		}

		// Every other parameter an endpoint reads, one at a time, so that
		// an earlier error cannot hide a later one.
		a, w, r = fuzzPost(DefaultMaxBodyBytes, body)
		p, err := a.postParams(w, r)
		if err != nil {
			fuzzProblem(t, "postParams", err, fuzzPostCodes)
		} else {
			fuzzEachParam(t, p)
		}

		// With a small limit, request_too_large answers exactly the bodies
		// over it, whatever they hold.
		const small = 64
		a, w, r = fuzzPost(small, body)
		_, err = a.postParams(w, r)
		pe, _ := problem.As(err)
		if tooLarge := pe != nil && pe.Code == problem.CodeRequestTooLarge; tooLarge != (len(body) > small) {
			t.Fatalf("postParams of %d bytes with limit %d: error %v", len(body), small, err)
		}
	})
}

func FuzzQueryParams(f *testing.F) {
	for _, s := range fuzzQuerySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		// RawQuery is set directly: the server hands the request line's
		// query through verbatim, and httptest.NewRequest would panic on
		// bytes a request line cannot hold.
		r := httptest.NewRequest(http.MethodGet, "/api/v4/check_license", nil)
		r.URL.RawQuery = rawQuery

		if in, _, err := checkInput(r); err != nil {
			fuzzProblem(t, "checkInput", err, fuzzQueryCodes)
		} else {
			fuzzIdentity(t, in.Identity)
			fuzzTelemetry(t, in.Telemetry)
			if in.Password != "" {
				t.Fatalf("checkInput kept a password")
			}
		}
		fuzzEachParam(t, getParams(r))
	})
}

// fuzzEachParam reads every parameter the endpoints read through a
// collector of its own and checks what gets through.
func fuzzEachParam(t *testing.T, p *params) {
	t.Helper()
	codes := fuzzPostCodes
	if p.query != nil {
		codes = fuzzQueryCodes
	}
	check := func(c *collector, what string) bool {
		if c.err != nil {
			fuzzProblem(t, what, c.err, codes)
			return false
		}
		return true
	}
	for _, name := range fuzzStrParams {
		c := &collector{p: p}
		if v := c.str(name); check(c, name) {
			fuzzLen(t, name, v)
		}
	}
	for _, name := range fuzzBoolParams {
		c := &collector{p: p}
		c.bool(name)
		check(c, name)
	}
	c := &collector{p: p}
	if n := c.int("license_id"); check(c, "license_id") && n < 0 {
		t.Fatalf("license_id = %d got through", n)
	}
	c = &collector{p: p}
	if id := c.identity(); check(c, "identity") {
		fuzzIdentity(t, id)
	}
	c = &collector{p: p}
	if tel := c.telemetry(); check(c, "telemetry") {
		fuzzTelemetry(t, tel)
	}
	if vars, err := p.variables("variables"); err != nil {
		fuzzProblem(t, "variables", err, codes)
	} else {
		fuzzVariables(t, vars)
	}
}

func fuzzIdentity(t *testing.T, id licensing.Identity) {
	t.Helper()
	for name, v := range map[string]string{"product": id.Product, "hardware_id": id.HardwareID, "license_key": id.LicenseKey,
		"username": id.Username, "password": id.Password, "bundle_code": id.BundleCode} {
		fuzzLen(t, name, v)
	}
	if id.LicenseID < 0 {
		t.Fatalf("license_id = %d got through", id.LicenseID)
	}
}

func fuzzTelemetry(t *testing.T, tel store.Telemetry) {
	t.Helper()
	for name, v := range map[string]string{"app_name": tel.AppName, "app_ver": tel.AppVer, "sdk_ver": tel.SDKVer, "os_ver": tel.OSVer,
		"hostname": tel.Hostname, "os_hostname": tel.OSHostname, "ip": tel.IP, "ip_local": tel.IPLocal, "mac_address": tel.MACAddress,
		"vm_info": tel.VMInfo, "channel": tel.Channel, "env": tel.Env} {
		fuzzLen(t, name, v)
	}
}

// fuzzVariables checks device variables against the limits directly:
// checkVariables is what produced them, so it cannot be the judge.
func fuzzVariables(t *testing.T, vars map[string]string) {
	t.Helper()
	if len(vars) > maxVariables {
		t.Fatalf("%d variables got through", len(vars))
	}
	for k, v := range vars {
		if k == "" || len(k) > maxVariableName || len(v) > maxVariableValue {
			t.Fatalf("variable %q (%d bytes) = %d bytes got through", k, len(k), len(v))
		}
	}
}

// Only JSON's own white space may surround a body: a Unicode space makes
// it something that is not JSON.
func TestUnicodeSpaceAroundABodyIsNotJSON(t *testing.T) {
	for _, body := range []string{"\u00a0{\"username\":\"x\"}", "{\"username\":\"x\"}\u0085", "\u2028{}"} {
		if _, err := decodeStringObject([]byte(body), "username"); err == nil {
			t.Errorf("decodeStringObject accepted %q", body)
		}
	}
	if _, err := decodeStringObject([]byte(" \t\r\n{\"username\":\"x\"}\n"), "username"); err != nil {
		t.Errorf("JSON white space refused: %v", err)
	}
}
