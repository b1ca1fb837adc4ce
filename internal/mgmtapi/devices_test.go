package mgmtapi_test

import (
	"fmt"
	"testing"
)

// A support engineer finds a license's devices and resets one: the slot
// is free again and the reset is no transfer (management-api.md §5.17).
func TestDevicesResetAndBlacklist(t *testing.T) {
	w := newWorld(t)
	w.catalogApp()
	id := w.keyLicense("DEV-0001", 2, "max_transfers=-1") // no transfers allowed
	act := func(hw string) string {
		return licenseCode(t, w.licenseAPI("POST", "activate_license", map[string]any{"product": "APP", "hardware_id": hw, "license_key": "DEV-0001"}))
	}
	for _, hw := range []string{"hw-a", "hw-b"} {
		if code := act(hw); code != "ok" {
			t.Fatalf("activate %s: %s", hw, code)
		}
	}
	if code := act("hw-c"); code != "license_activated_max_times" {
		t.Fatalf("a third device: %s", code)
	}
	list := w.get(fmt.Sprintf("devices/?license=%d&order_by=-id", id)).json(t)
	if list["count"] != float64(2) {
		t.Fatalf("devices of the license: %v", list)
	}
	devA := list["results"].([]any)[1].(map[string]any)
	if devA["hardware_id"] != "hw-a" || devA["is_active"] != true || devA["license"] != float64(id) || devA["blacklisted"] != false {
		t.Fatalf("device: %v", devA)
	}
	path := fmt.Sprintf("devices/%d/", int64(devA["id"].(float64)))
	wantMessage(t, w.post(path+"reset/", ""), "Device reset.")
	if d := w.get(path).json(t); d["is_active"] != false || d["deactivated_at"] == nil {
		t.Fatalf("after reset: %v", d)
	}
	// The slot is free, and taking it with another device is no transfer
	// (max_transfers=-1 would refuse one).
	if code := act("hw-c"); code != "ok" {
		t.Fatalf("activation after a vendor reset: %s", code)
	}
	before := w.snapshot()
	wantMessage(t, w.post(path+"reset", "{}"), "Device reset.") // already inactive: nothing changes
	if w.snapshot() != before {
		t.Fatal("resetting an inactive device changed something")
	}
	if l := w.get(fmt.Sprintf("licenses/%d", id)).json(t); l["times_activated"] != float64(2) {
		t.Fatalf("times_activated after reset and a new activation: %v", l["times_activated"])
	}
	wantError(t, w.get("devices/?license=x"), 400, "validation_error")
	wantError(t, w.get("devices/987654/"), 404, "not_found")
	wantError(t, w.post("devices/987654/reset/", "garbage"), 404, "not_found")

	// Blacklisting deactivates every device with the hardware id, and the
	// License API refuses it until it is lifted.
	devB := list["results"].([]any)[0].(map[string]any)
	bpath := fmt.Sprintf("devices/%d/", int64(devB["id"].(float64)))
	wantError(t, w.post(bpath+"blacklist/", `{"reason": 5, "x": 1}`), 400, "validation_error")
	wantMessage(t, w.post(bpath+"blacklist/", `{"reason":"stolen"}`), "Device blacklisted.")
	wantMessage(t, w.post(bpath+"blacklist/", ""), "Device blacklisted.") // listed already: the same answer
	if d := w.get(bpath).json(t); d["is_active"] != false || d["blacklisted"] != true {
		t.Fatalf("after blacklist: %v", d)
	}
	if code := act("hw-b"); code != "blacklisted" {
		t.Fatalf("a blacklisted device activates: %s", code)
	}
	if got := w.get("devices/?blacklisted=true").json(t)["count"]; got != float64(1) {
		t.Fatalf("blacklisted devices: %v", got)
	}
	wantMessage(t, w.post(bpath+"unblacklist/", ""), "Device removed from the blacklist.")
	if code := act("hw-b"); code != "ok" {
		t.Fatalf("after unblacklist: %s", code)
	}
}

// A license reset frees every slot; the next activations are no transfers
// (management-api.md §5.7).
func TestLicenseReset(t *testing.T) {
	w := newWorld(t)
	w.catalogApp()
	id := w.keyLicense("RST-0001", 2, "max_transfers=-1", "license_type=consumption", "max_consumptions=10")
	act := func(hw string) string {
		return licenseCode(t, w.licenseAPI("POST", "activate_license", map[string]any{"product": "APP", "hardware_id": hw, "license_key": "RST-0001"}))
	}
	for _, hw := range []string{"r-1", "r-2"} {
		if code := act(hw); code != "ok" {
			t.Fatal(code)
		}
	}
	w.licenseAPI("POST", "add_consumption", map[string]any{"product": "APP", "hardware_id": "r-1", "license_key": "RST-0001", "consumptions": 3})
	path := fmt.Sprintf("licenses/%d/", id)
	wantError(t, w.post(path+"reset/", "nope"), 400, "invalid_json")
	wantMessage(t, w.post(path+"reset/", ""), "License and all devices reset.")
	l := w.get(path).json(t)
	if l["times_activated"] != float64(0) || l["transfer_count"] != float64(0) || l["status"] != "Inactive" || l["total_consumptions"] != float64(3) {
		t.Fatalf("after reset: %v", l)
	}
	if n := w.get(fmt.Sprintf("devices/?license=%d&is_active=false", id)).json(t)["count"]; n != float64(2) {
		t.Fatalf("devices kept, inactive: %v", n)
	}
	for _, hw := range []string{"r-3", "r-4"} {
		if code := act(hw); code != "ok" {
			t.Fatalf("activation after reset (max_transfers=-1): %s", code)
		}
	}
	wantError(t, w.post("licenses/4242/reset/", ""), 404, "not_found")
}

func TestDeviceVariables(t *testing.T) {
	w := newWorld(t)
	w.catalogApp()
	id := w.keyLicense("VAR-0001", 1)
	r := w.licenseAPI("POST", "activate_license", map[string]any{"product": "APP", "hardware_id": "v-1", "license_key": "VAR-0001",
		"variables": map[string]any{"os_build": 22631, "seats": "3"}})
	if r.Status != 200 {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	l := w.get(fmt.Sprintf("device-variables/?license=%d&order_by=variable", id)).json(t)
	res := l["results"].([]any)
	if l["count"] != float64(2) || res[0].(map[string]any)["variable"] != "os_build" || res[0].(map[string]any)["value"] != "22631" {
		t.Fatalf("device variables: %v", l)
	}
	one := w.get(fmt.Sprintf("device-variables/%v/", res[1].(map[string]any)["id"])).json(t)
	if one["variable"] != "seats" || one["value"] != "3" {
		t.Fatalf("one variable: %v", one)
	}
	if n := w.get("device-variables/?variable=seats").json(t)["count"]; n != float64(1) {
		t.Fatalf("by name: %v", n)
	}
	wantError(t, w.get("device-variables/424242/"), 404, "not_found")
}
