package licenseapi_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/licensor/licensor/internal/store"
	"github.com/licensor/licensor/internal/testkit"
)

func TestDeviceVariables(t *testing.T) {
	c := newCatalog(t)
	c.keyLicense("VARS-1", 2)
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "VARS-1"}), "hw", "VARS-1")
	track := func(vars any) testkit.Response {
		return c.post("track_device_variables", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "VARS-1", "variables": vars})
	}
	var tracked []map[string]any
	c.ok(track(map[string]any{"b": 2, "a": "1", "c": nil}), &tracked)
	if len(tracked) != 3 || tracked[0]["variable"] != "a" || tracked[0]["value"] != "1" || tracked[1]["value"] != "2" || tracked[2]["value"] != "" {
		t.Fatalf("track_device_variables answered %v", tracked)
	}
	created := tracked[0]["created_at"]
	if _, isNum := created.(float64); !isNum || num(tracked[0], "device_id") == 0 || len(tracked[0]) != 4 {
		t.Fatalf("a tracked variable: %v", tracked[0])
	}
	c.ok(track(map[string]any{"a": "changed"}), &tracked)
	if len(tracked) != 1 || tracked[0]["value"] != "changed" || tracked[0]["created_at"] != created {
		t.Fatalf("a second track of a: %v (created_at was %v)", tracked, created)
	}
	var got []map[string]any
	c.ok(c.get("get_device_variables", map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": "VARS-1"}), &got)
	iso := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
	if len(got) != 3 || got[0]["variable"] != "a" || got[0]["value"] != "changed" || num(got[0], "id") == 0 || !iso.MatchString(got[0]["created_at"].(string)) || len(got[0]) != 5 {
		t.Fatalf("get_device_variables answered %v", got)
	}
	for _, tt := range []struct {
		name string
		r    testkit.Response
		code string
	}{
		{"device not active", c.post("track_device_variables", map[string]any{"product": "KEY", "hardware_id": "other", "license_key": "VARS-1", "variables": map[string]any{"x": 1}}), "device_not_found"},
		{"variables missing", c.post("track_device_variables", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "VARS-1"}), "missing_parameters"},
		{"variables not an object", track([]string{"x"}), "validation_error"},
		{"empty name", track(map[string]any{"": "x"}), "validation_error"},
		{"unknown license", c.get("get_device_variables", map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": "NOPE"}), "license_not_found"},
		{"get, device not active", c.get("get_device_variables", map[string]string{"product": "KEY", "hardware_id": "other", "license_key": "VARS-1"}), "device_not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.r, 400, tt.code) })
	}
}

// A device keeps at most store.MaxDeviceVariables variables, also when
// requests race to add the last ones; replacing a value is always allowed.
func TestDeviceVariablesAreBounded(t *testing.T) {
	c := newCatalog(t)
	c.keyLicense("VARS-2", 2)
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "VARS-2"}), "hw", "VARS-2")
	track := func(vars map[string]any) testkit.Response {
		return c.post("track_device_variables", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "VARS-2", "variables": vars})
	}
	n := 0
	for n < store.MaxDeviceVariables-10 {
		batch := map[string]any{}
		for range min(64, store.MaxDeviceVariables-10-n) {
			batch[fmt.Sprintf("v%03d", n)] = n
			n++
		}
		c.ok(track(batch), nil)
	}
	ok := 0
	for _, r := range race(40, func(i int) testkit.Response { return track(map[string]any{fmt.Sprintf("race%02d", i): i}) }) {
		switch {
		case r.Status == 200:
			ok++
		case r.Status != 400 || !regexp.MustCompile(`"validation_error"`).Match(r.Body):
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	if ok != 10 {
		t.Fatalf("%d of 40 racing new variables were stored with room for 10", ok)
	}
	var got []map[string]any
	c.ok(c.get("get_device_variables", map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": "VARS-2"}), &got)
	if len(got) != store.MaxDeviceVariables {
		t.Fatalf("%d variables stored, want %d", len(got), store.MaxDeviceVariables)
	}
	wantError(t, track(map[string]any{"one-more": 1}), 400, "validation_error")
	c.ok(track(map[string]any{"v000": "replaced"}), nil)
}
