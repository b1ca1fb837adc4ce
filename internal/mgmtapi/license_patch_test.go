package mgmtapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/licensor/licensor/internal/licensing"
)

// A billing backend renews a subscription, and a support engineer raises a
// limit: PATCH licenses/{id}/ (management-api.md §5.5).
func TestPatchLicense(t *testing.T) {
	w := newWorld(t)
	w.catalogApp()
	id := w.keyLicense("PATCH-0001", 1, "license_type=subscription", "validity_period=2020-01-01T00:00:00Z")
	path := fmt.Sprintf("licenses/%d/", id)
	act := func(hw string) string {
		return licenseCode(t, w.licenseAPI("POST", "activate_license", map[string]any{"product": "APP", "hardware_id": hw, "license_key": "PATCH-0001"}))
	}
	if code := act("hw-1"); code != "license_expired" {
		t.Fatalf("before the renewal: %s", code)
	}
	patch := func(body string) answer { return w.do("PATCH", path, "Api-Key "+w.key, body) }
	a := patch(`{"validity_period": "2031-03-04", "max_activations": "2", "allow_grace_period": 1, "grace_period": 24, "metadata": "{\"plan\":\"pro\"}"}`)
	l := a.json(t)
	if a.status != 200 || l["validity_period"] != "2031-03-04T00:00:00.000Z" || l["max_activations"] != float64(2) ||
		l["allow_grace_period"] != true || l["metadata"].(map[string]any)["plan"] != "pro" {
		t.Fatalf("PATCH: %d %s", a.status, a.body)
	}
	for _, hw := range []string{"hw-1", "hw-2"} {
		if code := act(hw); code != "ok" {
			t.Fatalf("after the renewal, %s: %s", hw, code)
		}
	}
	events, err := w.App.Store.Reader().AuditEvents(context.Background(), w.CompanyID, "license.updated")
	must(t, err)
	if len(events) != 1 {
		t.Fatalf("audit: %+v", events)
	}

	// Sending back what was read changes nothing and records nothing.
	before := w.snapshot()
	if a := patch(string(w.get(path).body)); a.status != 200 {
		t.Fatalf("sending the license back: %d %s", a.status, a.body)
	}
	if a := patch(`{}`); a.status != 200 {
		t.Fatalf("{}: %d", a.status)
	}
	if w.snapshot() != before {
		t.Fatal("an unchanged PATCH wrote something")
	}
	for _, tt := range []struct {
		body, code string
	}{
		{`{"max_activations": 1.5}`, "validation_error"},
		{`{"max_activations": -1}`, "validation_error"},
		{`{"max_transfers": -2}`, "validation_error"},
		{`{"enabled": "maybe"}`, "validation_error"},
		{`{"license_type": "forever"}`, "validation_error"},
		{`{"license_type": "time-limited", "validity_period": null}`, "validation_error"},
		{`{"validity_period": "next week"}`, "validation_error"},
		{`{"license_key": "OTHER-KEY"}`, "validation_error"},
		{`{"times_activated": 0}`, "validation_error"},
		{`{"max_activation": 3}`, "validation_error"},
		{`{"metadata": [1]}`, "validation_error"},
		{`{"customer_id": 424242}`, "validation_error"},
		{`{"note": "hello"}`, "unsupported_field"},
		{`[1]`, "validation_error"},
		{`{`, "invalid_json"},
	} {
		t.Run(tt.body, func(t *testing.T) { wantError(t, patch(tt.body), 400, tt.code) })
	}
	if w.snapshot() != before {
		t.Fatal("a refused PATCH wrote something")
	}
	wantError(t, w.do("PATCH", "licenses/424242/", "Api-Key "+w.key, `{`), 404, "not_found")
	wantError(t, w.do("PATCH", path, "Api-Key "+w.ro, `{}`), 403, "permission_denied")

	// Consumption reset (total_consumptions: 0) and a customer change.
	c, err := w.App.Service.CreateCustomer(context.Background(), w.CompanyID, licensing.CustomerSpec{Email: "new@example.com"})
	must(t, err)
	l = patch(fmt.Sprintf(`{"total_consumptions": 0, "customer_id": %d, "enabled": false}`, c.ID)).json(t)
	if l["customer"].(map[string]any)["email"] != "new@example.com" || l["enabled"] != false {
		t.Fatalf("customer and enabled: %v", l)
	}
	if l := patch(`{"customer_id": null}`).json(t); l["customer"] != nil {
		t.Fatalf("customer taken off: %v", l["customer"])
	}
}
