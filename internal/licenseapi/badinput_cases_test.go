package licenseapi_test

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
)

// badCase is one malformed request of the bad-input matrix.
type badCase struct {
	name   string
	method string
	target string      // path and query, sent as they are
	body   string      // sent as it is
	hdr    http.Header // replaces the signed defaults; a nil value removes the header
	want   string      // the error code the contract fixes; "" when any answer within the rules will do
}

// badEndpoint is what the matrix knows of a route: a base request that reaches
// real data but writes nothing, and every parameter the route reads.
type badEndpoint struct {
	base   [][2]string // name, value (a raw JSON value in POST bodies)
	fields []string
	public bool
}

// badWorld is what the fixture provisioned before the matrix.
type badWorld struct {
	apiKey, sharedKey string
	fullKey           string // KEY, active on hwActive; its one slot is taken
	bundleKey         string // SUITE (KEY and KEY2), the same
	consKey           string // KEY, a consumption license with nothing left, active on hwActive
	hwActive          string
	email, password   string // a license user of USER
}

var (
	identityFields  = []string{"product", "hardware_id", "license_key", "username", "password", "license_id", "bundle_code"}
	telemetryFields = []string{"app_name", "app_ver", "sdk_ver", "os_ver", "hostname", "os_hostname", "ip", "ip_local",
		"mac_address", "is_vm", "vm_info", "channel", "env"}
	trialFields = []string{"product", "hardware_id", "email", "first_name", "last_name", "phone", "address", "postcode",
		"state", "country", "city", "reference", "company_name"}
)

// paramLimits mirrors limits.go (unexported there): a string one byte longer
// is validation_error; any other string parameter has 256. If a limit is
// raised there, the "long" cases fail here until this is updated.
var paramLimits = map[string]int{"product": 128, "bundle_code": 128, "feature": 128, "hardware_id": 512, "email": 254, "customer": 254,
	"username": 320, "password": 1024, "vm_info": 1024, "first_name": 255, "last_name": 255, "phone": 255, "address": 255,
	"postcode": 255, "state": 255, "country": 255, "city": 255, "reference": 255, "company_name": 255, "customer_account_code": 128, "id_token": 16 << 10, "code": 2048, "redirect_uri": 2048}

func overLimit(field string) string { return strings.Repeat("a", cmp.Or(paramLimits[field], 256)+1) }

func jsonStr(s string) string { b, _ := json.Marshal(s); return string(b) }

// endpoints describes every route by path. Bases are chosen so that no
// answer may write: the key and bundle licenses have no free slot and hw-2
// is not active on them, USER offers no trials, and no request carries a
// user's password.
func badEndpoints(w badWorld) map[string]badEndpoint {
	idKey := [][2]string{{"product", "KEY"}, {"hardware_id", w.hwActive}, {"license_key", w.fullKey}}
	idSuite := [][2]string{{"product", "SUITE"}, {"hardware_id", w.hwActive}, {"license_key", w.bundleKey}}
	post := [][2]string{{"product", jsonStr("KEY")}, {"hardware_id", jsonStr("hw-2")}, {"license_key", jsonStr(w.fullKey)}}
	postSuite := [][2]string{{"product", jsonStr("SUITE")}, {"hardware_id", jsonStr("hw-2")}, {"license_key", jsonStr(w.bundleKey)}}
	withVars := append(slices.Clone(identityFields), "variables")
	ssoFields := []string{"customer_account_code", "id_token", "code", "redirect_uri"}
	return map[string]badEndpoint{
		"/api/v4/public_key":   {public: true},
		"/api/v4/openapi.json": {public: true},
		"/api/v4/.well-known":  {public: true},
		"/api/v4/oauth_url":    {public: true},
		"/api/v4/change_password": {base: [][2]string{{"username", jsonStr(w.email)}, {"password", jsonStr("")}, {"new_password", jsonStr("Another-pass-1")}},
			fields: []string{"username", "password", "new_password"}},
		"/api/v4/activate_license":   {base: post, fields: append(append(slices.Clone(withVars), telemetryFields...), ssoFields...)},
		"/api/v4/activate_bundle":    {base: postSuite, fields: append(slices.Clone(withVars), telemetryFields...)},
		"/api/v4/deactivate_license": {base: post, fields: withVars},
		"/api/v4/deactivate_bundle":  {base: postSuite, fields: withVars},
		// A check of the active device without telemetry is a read: the
		// device was seen moments ago and reports nothing new.
		"/api/v4/check_license": {base: idKey, fields: append(append(slices.Clone(identityFields), telemetryFields...), "include_expired_features")},
		"/api/v4/check_bundle":  {base: idSuite, fields: append(append(slices.Clone(identityFields), telemetryFields...), "include_expired_features")},
		"/api/v4/check_license_feature": {base: append(slices.Clone(idKey), [2]string{"feature", "pro"}),
			fields: append(slices.Clone(identityFields), "feature")},
		// Consumptions no license can take: every case is refused and
		// nothing is written.
		"/api/v4/add_consumption": {base: [][2]string{{"product", jsonStr("KEY")}, {"hardware_id", jsonStr(w.hwActive)}, {"license_key", jsonStr(w.consKey)}, {"consumptions", "1"}},
			fields: append(slices.Clone(identityFields), "consumptions", "allow_overages", "max_overages")},
		"/api/v4/add_feature_consumption": {base: [][2]string{{"product", jsonStr("KEY")}, {"hardware_id", jsonStr(w.hwActive)}, {"license_key", jsonStr(w.fullKey)}, {"feature", jsonStr("credits")}, {"consumptions", "1000"}},
			fields: append(slices.Clone(identityFields), "feature", "consumptions")},
		// A device that is not active: refused, nothing written.
		"/api/v4/track_device_variables": {base: append(slices.Clone(post), [2]string{"variables", `{"a":"1"}`}), fields: withVars},
		"/api/v4/get_device_variables":   {base: idKey, fields: identityFields},
		"/api/v4/versions":               {base: idKey, fields: append(slices.Clone(identityFields), "env", "channel")},
		"/api/v4/installation_file":      {base: idKey, fields: append(slices.Clone(identityFields), "env", "channel", "version")},
		// The full license is not floating: refused before any seat.
		"/api/v4/floating/borrow":  {base: append(slices.Clone(post), [2]string{"borrowed_until", jsonStr("2099-01-01T00:00:00Z")}), fields: append(append(slices.Clone(identityFields), "borrowed_until"), ssoFields...)},
		"/api/v4/floating/release": {base: post, fields: identityFields},
		// Offline request files are base64 text: a JSON body is not one.
		"/api/v4/activate_offline":   {},
		"/api/v4/deactivate_offline": {},
		// "pro" is not a floating feature, and hw-2 not active: refused
		// before any seat.
		"/api/v4/floating/feature_borrow": {base: append(slices.Clone(post), [2]string{"feature", jsonStr("pro")}),
			fields: append(slices.Clone(identityFields), "feature", "borrowed_until", "sdk_ver", "redirect_uri")},
		"/api/v4/floating/feature_release": {base: append(slices.Clone(post), [2]string{"feature", jsonStr("pro")}), fields: append(slices.Clone(identityFields), "feature")},
		"/api/v4/trial_key":                {base: [][2]string{{"product", "USER"}, {"hardware_id", "hw-trial"}, {"email", "trial@example.com"}}, fields: trialFields},
		"/api/v4/product_details":          {base: [][2]string{{"product", "KEY"}, {"include_latest_version", "true"}, {"include_custom_fields", "true"}}, fields: []string{"product", "include_latest_version", "include_custom_fields", "env"}},
		"/api/v4/customer_license_users":   {base: [][2]string{{"product", "KEY"}, {"customer", w.email}}, fields: []string{"product", "customer"}},
		// Without a password: with one, the throttle records the attempt.
		"/api/v4/user_licenses":   {base: [][2]string{{"product", "USER"}, {"username", w.email}}, fields: []string{"product", "username", "password"}},
		"/api/v4/device_licenses": {base: [][2]string{{"hardware_id", w.hwActive}}, fields: []string{"hardware_id"}},
		// No such customer account: refused before any provider is asked.
		"/api/v4/sso_url": {base: [][2]string{{"product", "KEY"}, {"customer_account_code", "NONE"}, {"redirect_uri", "myapp://sso"}},
			fields: []string{"product", "customer_account_code", "response_type", "redirect_uri"}},
	}
}

func paramKind(field string) string {
	switch {
	case field == "license_id", field == "consumptions", field == "max_overages":
		return "int"
	case strings.HasPrefix(field, "include_"), field == "allow_overages":
		return "bool"
	case field == "variables":
		return "vars"
	case field == "new_password":
		return "any" // change_password: no length limit, the policy comes after the password check
	case slices.Contains(telemetryFields, field):
		return "text" // any JSON type, kept as text
	}
	return "str"
}

// with returns base with name set to value (appended when absent), or
// without it when drop.
func withParam(base [][2]string, name, value string, drop bool) [][2]string {
	out, found := [][2]string{}, false
	for _, kv := range base {
		if kv[0] == name {
			found = true
			if drop {
				continue
			}
			kv[1] = value
		}
		out = append(out, kv)
	}
	if !found && !drop {
		out = append(out, [2]string{name, value})
	}
	return out
}

func jsonObject(kvs [][2]string) string {
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = jsonStr(kv[0]) + ":" + kv[1]
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func queryOf(kvs [][2]string) string {
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = url.QueryEscape(kv[0]) + "=" + url.QueryEscape(kv[1])
	}
	return strings.Join(parts, "&")
}

func signedBy(apiKey, sharedKey, date string) http.Header {
	return http.Header{"Date": {date}, "Authorization": {auth.AuthorizationHeader(apiKey, []byte(sharedKey), date)}}
}

// headerCases break request authorization in every documented way, and
// add oversized and non-UTF-8 values that must not matter.
func headerCases(w badWorld) []badCase {
	now := time.Now().UTC()
	date := now.Format(http.TimeFormat)
	sig := auth.Signature([]byte(w.sharedKey), date)
	authz := func(params string) http.Header { return http.Header{"Date": {date}, "Authorization": {params}} }
	big := strings.Repeat("x", 24<<10) // the server accepts 32 KiB of headers
	many := http.Header{}
	for i := range 300 {
		many[fmt.Sprintf("X-Junk-%d", i)] = []string{"junk"}
	}
	return []badCase{
		{name: "no-date", hdr: http.Header{"Date": nil}, want: "missing_headers"},
		{name: "no-authorization", hdr: http.Header{"Authorization": nil}, want: "missing_headers"},
		{name: "no-headers", hdr: http.Header{"Date": nil, "Authorization": nil}, want: "missing_headers"},
		{name: "blank-authorization", hdr: authz("   "), want: "missing_headers"},
		{name: "garbage-authorization", hdr: authz("garbage"), want: "authorization_invalid_headers"},
		{name: "bearer-authorization", hdr: authz("Bearer abc.def"), want: "oauth_token_malformed"},
		{name: "bearer-forged", hdr: authz("Bearer lsa1.eyJjIjoxLCJlIjo5OTk5OTk5OTk5fQ.AAAA"), want: "oauth_token_malformed"},
		{name: "bearer-empty", hdr: authz("Bearer "), want: "oauth_token_malformed"},
		{name: "bearer-huge", hdr: authz("Bearer lsa1." + strings.Repeat("A", 20000)), want: "oauth_token_malformed"},
		{name: "unterminated-authorization", hdr: authz(`algorithm="hmac-sha256`), want: "authorization_invalid_headers"},
		{name: "apikey-only", hdr: authz(`apikey="` + w.apiKey + `"`), want: "authorization_missing_params"},
		{name: "wrong-algorithm", hdr: authz(`algorithm="hmac-sha1",headers="date",signature="` + sig + `",apikey="` + w.apiKey + `"`), want: "hmac_required"},
		{name: "duplicated-param", hdr: authz(`algorithm="hmac-sha256",algorithm="hmac-sha256",headers="date",signature="` + sig + `",apikey="` + w.apiKey + `"`), want: "authorization_invalid_headers"},
		{name: "unknown-api-key", hdr: signedBy("00000000-0000-0000-0000-000000000000", w.sharedKey, date), want: "invalid_api_key"},
		{name: "non-utf8-api-key", hdr: signedBy("\xff\xfe", w.sharedKey, date), want: "invalid_api_key"},
		{name: "date-hour-ago", hdr: signedBy(w.apiKey, w.sharedKey, now.Add(-time.Hour).Format(http.TimeFormat)), want: "date_header_diff"},
		{name: "date-1970", hdr: signedBy(w.apiKey, w.sharedKey, "Thu, 01 Jan 1970 00:00:00 GMT"), want: "date_header_diff"},
		{name: "date-tomorrow", hdr: signedBy(w.apiKey, w.sharedKey, now.Add(24*time.Hour).Format(http.TimeFormat)), want: "date_header_diff"},
		{name: "date-9999", hdr: signedBy(w.apiKey, w.sharedKey, "Fri, 31 Dec 9999 23:59:59 GMT"), want: "date_header_diff"},
		{name: "date-not-a-date", hdr: signedBy(w.apiKey, w.sharedKey, "yesterday"), want: "date_header_diff"},
		{name: "date-rfc3339", hdr: signedBy(w.apiKey, w.sharedKey, now.Format(time.RFC3339)), want: "date_header_diff"},
		{name: "date-non-utf8", hdr: signedBy(w.apiKey, w.sharedKey, "\xff\xfe"), want: "date_header_diff"},
		{name: "date-huge", hdr: signedBy(w.apiKey, w.sharedKey, big), want: "date_header_diff"},
		{name: "wrong-shared-key", hdr: signedBy(w.apiKey, "not the shared key", date), want: "signature_mismatch"},
		{name: "signature-not-base64", hdr: authz(`algorithm="hmac-sha256",headers="date",signature="!!!",apikey="` + w.apiKey + `"`), want: "signature_mismatch"},
		{name: "signature-non-utf8", hdr: authz(`algorithm="hmac-sha256",headers="date",signature="\xff",apikey="` + w.apiKey + `"`), want: "signature_mismatch"},
		{name: "signature-of-other-date", hdr: http.Header{"Date": {date}, "Authorization": signedBy(w.apiKey, w.sharedKey, now.Add(-time.Second).Format(http.TimeFormat))["Authorization"]}, want: "signature_mismatch"},
		{name: "authorization-huge", hdr: authz(big), want: "authorization_invalid_headers"},
		// The first value of a repeated header is the one read.
		{name: "two-dates", hdr: http.Header{"Date": {date, "garbage"}, "Authorization": {auth.AuthorizationHeader(w.apiKey, []byte(w.sharedKey), date)}}},
		{name: "two-authorizations", hdr: http.Header{"Authorization": {"garbage", auth.AuthorizationHeader(w.apiKey, []byte(w.sharedKey), date)}}, want: "authorization_invalid_headers"},
		// Valid authorization with junk that must not matter.
		{name: "huge-extra-param", hdr: authz(`algorithm="hmac-sha256",headers="date",signature="` + sig + `",apikey="` + w.apiKey + `",extra="` + big + `"`)},
		{name: "huge-header", hdr: http.Header{"X-Junk": {big}}},
		{name: "many-headers", hdr: many},
		{name: "non-utf8-headers", hdr: http.Header{"X-Junk": {"\xff\xfe"}, "Content-Type": {"\xff"}, "Accept": {"\xc3\x28"}, "User-Agent": {"\xff"}}},
		{name: "forwarded-garbage", hdr: http.Header{"X-Forwarded-For": {"\xff, , 999.1.1.1"}, "X-Real-Ip": {"not an ip"}}},
	}
}

// bodyCases are malformed POST bodies; base is the endpoint's base body.
func bodyCases(e badEndpoint, strict bool) []badCase {
	b := jsonObject(e.base)
	unknown := "" // ignored by design (license-api.md §1)
	if strict {
		unknown = "validation_error" // change_password: additionalProperties false
	}
	pad := func(n int) string {
		return jsonObject(append(slices.Clone(e.base), [2]string{"pad", jsonStr(strings.Repeat("a", n-len(b)-9))}))
	}
	cs := []badCase{
		{name: "empty", body: "", want: "missing_parameters"}, {name: "blank", body: " \n\t ", want: "missing_parameters"},
		{name: "null", body: "null", want: "validation_error"}, {name: "array", body: "[]", want: "validation_error"},
		{name: "string", body: `"str"`, want: "validation_error"}, {name: "number", body: "123", want: "validation_error"},
		{name: "true", body: "true", want: "validation_error"}, {name: "empty-object", body: "{}", want: "missing_parameters"},
		{name: "truncated", body: b[:len(b)/2], want: "invalid_json"}, {name: "open-brace", body: "{", want: "invalid_json"},
		{name: "nul", body: "\x00", want: "invalid_json"}, {name: "trailing-garbage", body: b + "x", want: "invalid_json"},
		{name: "two-objects", body: b + b, want: "invalid_json"}, {name: "bom", body: "\xef\xbb\xbf" + b, want: "invalid_json"},
		{name: "non-utf8-outside-strings", body: b[:len(b)-1] + "\xff}", want: "invalid_json"},
		{name: "non-utf8-in-strings", body: jsonObject(withParam(e.base, e.base[0][0], "\"\xff\xfe\xc3\x28\"", false))},
		{name: "utf16", body: "\xff\xfe" + strings.Join(strings.Split(b, ""), "\x00"), want: "invalid_json"},
		{name: "deep-unclosed", body: strings.Repeat("[", 10000), want: "invalid_json"},
		{name: "deep-array", body: strings.Repeat("[", 9000) + strings.Repeat("]", 9000), want: "validation_error"},
		{name: "deep-in-field", body: jsonObject(withParam(e.base, e.base[0][0], strings.Repeat("[", 5000)+strings.Repeat("]", 5000), false)), want: "validation_error"},
		{name: "unknown-keys", body: jsonObject(append(slices.Clone(e.base), [2]string{"zzz", "1"}, [2]string{"__proto__", "{}"})), want: unknown},
		{name: "duplicate-keys", body: jsonObject(append(slices.Clone(e.base), [2]string{e.base[0][0], jsonStr("zz-other")}))},
		{name: "escaped-key", body: strings.Replace(b, `"`+e.base[0][0], `"\u00`+fmt.Sprintf("%x", e.base[0][0][0])+e.base[0][0][1:], 1)},
		{name: "just-under-64KiB", body: pad(64<<10 - 1), want: unknown},
		{name: "over-64KiB", body: pad(64<<10 + 1), want: "request_too_large"},
		{name: "1MiB", body: pad(1 << 20), want: "request_too_large"},
	}
	for _, f := range e.fields {
		set := func(name, raw, want string) {
			cs = append(cs, badCase{name: f + "-" + name, body: jsonObject(withParam(e.base, f, raw, false)), want: want})
		}
		set("null", "null", map[bool]string{true: "validation_error"}[strict])
		switch k := paramKind(f); k {
		case "str", "any":
			for name, raw := range map[string]string{"number": "123", "float": "-1.5", "true": "true", "false": "false",
				"object": `{"a":"b"}`, "empty-object": "{}", "array": `["KEY"]`, "empty-array": "[]"} {
				set(name, raw, "validation_error")
			}
			if k == "str" && !strict {
				set("long", jsonStr(overLimit(f)), "validation_error")
			}
			// change_password has no length limits (change-password.md):
			// a long current password is only a wrong one, which the
			// throttle rightly records, so it is not sent.
			if !strict || f != "password" {
				set("30KB", jsonStr(strings.Repeat("a", 30000)), map[bool]string{false: "validation_error"}[strict])
			}
		case "int":
			for name, raw := range map[string]string{"string": `"1"`, "abc": `"abc"`, "negative": "-1", "float": "1.5", "exp": "1e3",
				"huge": "99999999999999999999", "true": "true", "object": "{}", "array": "[]"} {
				set(name, raw, "validation_error")
			}
		case "text": // lenient by design: any type, kept as its JSON text
			for name, raw := range map[string]string{"number": "123", "true": "true", "object": `{"a":[1,2]}`, "array": "[]", "maybe": `"maybe"`} {
				set(name, raw, "")
			}
			set("long", jsonStr(overLimit(f)), "validation_error")
			set("long-object", `{"a":`+jsonStr(overLimit(f)[1:])+`}`, "validation_error")
		case "vars":
			many := make([]string, 65)
			for i := range many {
				many[i] = fmt.Sprintf(`"v%d":"x"`, i)
			}
			for name, raw := range map[string]string{"string": `"str"`, "number": "1", "true": "true", "array": `[{"a":"b"}]`,
				"empty-name": `{"":"x"}`, "too-many": "{" + strings.Join(many, ",") + "}", "long-name": "{" + jsonStr(strings.Repeat("n", 129)) + `:"x"}`,
				"long-value": `{"a":` + jsonStr(strings.Repeat("v", 1025)) + "}", "deep-value": `{"a":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + "}"} {
				set(name, raw, "validation_error")
			}
			set("nested", `{"a":{"b":[1,2,null]},"c":null,"d":true}`, "")
		}
	}
	return cs
}

// queryCases are malformed query strings of a GET endpoint.
func queryCases(e badEndpoint) []badCase {
	var cs []badCase
	add := func(name, rawQuery, want string) {
		cs = append(cs, badCase{name: name, target: "?" + rawQuery, want: want})
	}
	base := queryOf(e.base)
	cs = append(cs, badCase{name: "no-query"})
	add("only-question-mark", "", "")
	add("garbage", "&&==&=&%", "")
	add("unknown-extra", base+"&zzz=1&__proto__=x&hardware_id[]=y", "")
	add("semicolon-separated", strings.ReplaceAll(base, "&", ";"), "")
	add("semicolon-in-value", base+";x=1", "")
	add("bad-escape-name", "%zz=1&"+base, "")
	for _, kv := range e.base {
		add("missing-"+kv[0], queryOf(withParam(e.base, kv[0], "", true)), "")
		add("empty-"+kv[0], queryOf(withParam(e.base, kv[0], "", false)), "")
		add("repeated-"+kv[0], base+"&"+url.QueryEscape(kv[0])+"=zz-other", "")
		if paramKind(kv[0]) != "str" {
			continue
		}
		other := queryOf(withParam(e.base, kv[0], "", true))
		for name, raw := range map[string]string{"bad-escape": "%zz", "lone-percent": "%", "half-escape": "%e", "non-utf8": "%ff%fe%c3%28",
			"raw-non-utf8": "\xff\xfe", "nul": "%00", "newline": "%0d%0a"} {
			add(name+"-"+kv[0], other+"&"+kv[0]+"="+raw, "")
		}
	}
	for _, f := range e.fields {
		switch paramKind(f) {
		case "str", "text":
			add("long-"+f, queryOf(withParam(e.base, f, overLimit(f), false)), "validation_error")
		case "int":
			for _, v := range []string{"abc", "-1", "1.5", "99999999999999999999", " 1", "0x10", "1e3"} {
				add(f+"="+v, queryOf(withParam(e.base, f, v, false)), "validation_error")
			}
		case "bool":
			for _, v := range []string{"maybe", "yes", "TRUE ", "2"} {
				add(f+"="+v, queryOf(withParam(e.base, f, v, false)), "validation_error")
			}
		}
	}
	if slices.Contains(e.fields, "hardware_id") {
		add("30KB-hardware_id", queryOf(withParam(e.base, "hardware_id", strings.Repeat("h", 30000), false)), "validation_error")
	}
	return cs
}

// methodAndPathCases send each route the methods it does not serve, and
// garbage after its path.
func methodAndPathCases(method, path string) []badCase {
	var cs []badCase
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		if m != method {
			cs = append(cs, badCase{name: "method-" + m, method: m, target: path, want: "method_not_allowed"})
		}
	}
	// license-api.md §1: a trailing slash answers like the path does.
	cs = append(cs, badCase{name: "path/", method: method, target: path + "/"})
	cs = append(cs, badCase{name: "path//", method: method, target: path + "//", want: "not_found"})
	for _, tail := range []string{"x", "/x", "%20", "%00", "%ff", ";x", "/..", ".json"} {
		cs = append(cs, badCase{name: "path" + tail, method: method, target: path + tail, want: "not_found"})
	}
	return cs
}

// unknownPaths answer 404 whatever the method.
var unknownPaths = []string{"/", "/api", "/api/v4", "/api/v4/", "/api/v4//check_license", "/api/v4/CHECK_LICENSE",
	"/api/v5/check_license", "/api/v4/../v4/check_license", "/api/v4/%ff%fe", "/healthz/x", "/api/v4/" + strings.Repeat("a", 20000)}

// offlineCases are broken offline request files. The signed ones name the
// full license on a new device (activation refused) or a device that is not
// active (deactivation refused), so nothing is written.
func offlineCases(w badWorld, path string) []badCase {
	kind := "activation"
	if strings.Contains(path, "deactivate") {
		kind = "deactivation"
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	date := time.Now().UTC().Format(http.TimeFormat)
	signed := func(hw, sig string) string {
		if sig == "" {
			sig = licensing.OfflineSignature([]byte(w.sharedKey), date, w.fullKey, hw, w.apiKey)
		}
		p, _ := json.Marshal(map[string]any{"request": kind, "date": date, "api_key": w.apiKey, "license_key": w.fullKey,
			"hardware_id": hw, "product": "KEY", "signature": sig})
		return string(p)
	}
	return []badCase{
		{name: "empty", body: "", want: "missing_content"},
		{name: "blank", body: " \n\t ", want: "missing_content"},
		{name: "not-base64", body: "%%%", want: "invalid_json"},
		{name: "json-not-base64", body: "{}", want: "invalid_json"},
		{name: "base64-of-text", body: b64("hello"), want: "invalid_json"},
		{name: "base64-of-array", body: b64("[]"), want: "invalid_json"},
		{name: "base64-of-nul", body: b64("\x00"), want: "invalid_json"},
		{name: "no-api-key", body: b64(`{"request":"` + kind + `"}`), want: "missing_parameters"},
		{name: "other-kind", body: b64(`{"request":"other"}`), want: "validation_error"},
		{name: "field-of-wrong-type", body: b64(`{"request":"` + kind + `","license_id":"x"}`), want: "validation_error"},
		{name: "wrong-signature", body: b64(signed("hw-2", "AAAA")), want: "offline_signature_mismatch"},
		{name: "wrapped-wrong-signature", body: b64(`{"request":` + signed("hw-2", "") + `,"signature":"AAAA"}`), want: "offline_signature_mismatch"},
		{name: "signed", body: b64(signed("hw-2", ""))},
		{name: "wrapped", body: b64(`{"request":` + signed("hw-2", "") + `,"signature":"` + badHMAC(w.sharedKey, signed("hw-2", "")) + `"}`)},
		{name: "non-utf8", body: b64("{\"request\":\"\xff\xfe\"}"), want: "validation_error"},
		{name: "over-64KiB", body: strings.Repeat("A", 64<<10+4), want: "request_too_large"},
	}
}

func badHMAC(key, data string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
