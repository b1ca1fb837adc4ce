package licensor

import (
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"
)

func TestOfflineRequestFiles(t *testing.T) {
	at := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	c, _ := newClient(t, "https://l.example.com", func(c *Config) { c.Now = func() time.Time { return at } })
	user := Identity{Product: "CLOUD", HardwareID: "hw-1", Username: "ann@example.com|ACME", Password: "pw", LicenseID: 7,
		BundleCode: "B", Variables: map[string]string{"seat": "<front> & back"}}
	file, err := c.OfflineActivationRequest(user)
	if err != nil {
		t.Fatal(err)
	}
	inner, outer := decodeRequestFile(t, file)
	var r map[string]any
	if err := json.Unmarshal(inner, &r); err != nil {
		t.Fatal(err)
	}
	date := "Thu, 03 Dec 2026 17:00:00 GMT"
	if r["request"] != "activation" || r["schema_version"] != float64(2) || r["date"] != date || r["api_key"] != "api-key" ||
		r["client_id"] != nil || r["username"] != "ann@example.com|ACME" || r["password"] != "pw" || r["license_id"] != float64(7) ||
		r["bundle_code"] != "B" || r["sdk_ver"] != "licensor-go "+Version || r["app_name"] != "TestApp" || r["app_ver"] != "1.2.3" ||
		r["consumptions"] != nil || r["product_features"] != nil {
		t.Errorf("activation request %s", inner)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(r["request_id"].(string)) {
		t.Errorf("request_id %v is not a UUID v4", r["request_id"])
	}
	if !regexp.MustCompile(`"seat":"<front> & back"`).Match(inner) {
		t.Errorf("HTML characters escaped: %s", inner)
	}
	// The §2.4 signature covers the username as sent; the outer one the
	// inner bytes.
	if r["signature"] != hmacBase64([]byte("shared-key"), []byte("licenseSpring\ndate: "+date+"\nann@example.com|ACME\nhw-1\napi-key")) ||
		outer != hmacBase64([]byte("shared-key"), inner) {
		t.Errorf("signatures %v, %s", r["signature"], outer)
	}
	// A second file has another request id.
	again, _ := c.OfflineActivationRequest(user)
	inner2, _ := decodeRequestFile(t, again)
	var r2 map[string]any
	_ = json.Unmarshal(inner2, &r2)
	if r2["request_id"] == r["request_id"] {
		t.Error("the same request_id twice")
	}

	// Deactivation in OAuth mode: client id and client secret; no password;
	// the pending consumption.
	oc := oauthClient(t, "https://l.example.com", &clock{t: at})
	file, err = oc.OfflineDeactivationRequest(user, 4, map[string]int64{"units": 2, "zero": 0, "extra": -1})
	if err != nil {
		t.Fatal(err)
	}
	inner, outer = decodeRequestFile(t, file)
	r = nil
	_ = json.Unmarshal(inner, &r)
	want := `"consumptions":4,"product_features":[{"code":"extra","consumptions":-1},{"code":"units","consumptions":2}],"signature"`
	if r["request"] != "deactivation" || r["client_id"] != "client-1" || r["api_key"] != nil || r["password"] != nil ||
		!regexp.MustCompile(regexp.QuoteMeta(want)).Match(inner) {
		t.Errorf("deactivation request %s", inner)
	}
	if r["signature"] != hmacBase64([]byte("secret"), []byte("licenseSpring\ndate: "+date+"\nann@example.com|ACME\nhw-1\nclient-1")) ||
		outer != hmacBase64([]byte("secret"), inner) {
		t.Errorf("OAuth signatures %v, %s", r["signature"], outer)
	}

	for _, id := range []Identity{
		{Product: "P", HardwareID: "h"},
		{Product: "P", HardwareID: "h", CustomerAccountCode: "ACME", Code: "c"},
		{Product: "P", HardwareID: "h", LicenseKey: "K", Username: "u"},
	} {
		if _, err := c.OfflineActivationRequest(id); !errors.Is(err, ErrInvalidIdentity) {
			t.Errorf("%+v: %v", id, err)
		}
	}
}

func TestJSStringify(t *testing.T) {
	for in, want := range map[string]string{
		`{ "b": 1, "a": [1.50, 2e3, -0, 1e21, 1.5e-7, 0.000001, 100, 12345678901234567890] }`: `{"b":1,"a":[1.5,2000,0,1e+21,1.5e-7,0.000001,100,12345678901234567000]}`,
		`{"s":"<&> \u00e9 \u2028 \/ \" \\ \u0001 \n \t \b \f \r"}`:                            `{"s":"<&> é ` + "\u2028" + ` / \" \\ \u0001 \n \t \b \f \r"}`,
		`{"drop":{"x":1},"keep":{"drop":true},"z":null,"t":true,"f":false}`:                   `{"keep":{"drop":true},"z":null,"t":true,"f":false}`,
		`[{"a":{}},[]]`: `[{"a":{}},[]]`,
	} {
		got, err := jsStringify([]byte(in), map[string]bool{"drop": true})
		if err != nil || string(got) != want {
			t.Errorf("jsStringify(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{`{"a":1,"a":2}`, `{"a":1} x`, `{"a":`, `1e999`} {
		if _, err := jsStringify([]byte(bad), nil); err == nil {
			t.Errorf("jsStringify(%s) succeeded", bad)
		}
	}
}

func TestReadOfflineAnswerRejects(t *testing.T) {
	c, _ := newClient(t, "https://l.example.com")
	for name, file := range map[string]string{
		"not base64":      "%%%",
		"not JSON":        "bm90IGpzb24=",
		"no signatures":   "eyJpZCI6MX0=", // {"id":1}
		"empty":           "",
		"a JSON string":   "ImxpY2Vuc2VfZGVhY3RpdmF0ZWQi",
		"trailing object": "e30ge30=", // {} {}
	} {
		var se *SignatureError
		if _, err := c.ReadOfflineAnswer([]byte(file), "hw-1", "DESKTOP"); !errors.As(err, &se) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
