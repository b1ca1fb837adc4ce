package mgmtapi_test

import (
	"fmt"
	"testing"
)

func TestProducts(t *testing.T) {
	w := newWorld(t)
	a := w.post("products/", `{"product_name": "Cloud", "short_code": "CLOUD", "authorization_method": "user", "allow_trial": "true", "trial_days": 14, "metadata": {"tier": 1}}`)
	p := a.json(t)
	if a.status != 201 || p["short_code"] != "CLOUD" || p["authorization_method"] != "user" || p["allow_trial"] != true ||
		p["trial_days"] != float64(14) || p["max_activations"] != float64(1) || a.header.Get("Location") != fmt.Sprintf("/api/v1/products/%v/", p["id"]) {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	path := fmt.Sprintf("products/%v/", p["id"])
	before := w.snapshot()
	for _, tt := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"product_name": "Again", "short_code": "CLOUD"}`, 409, "product_exists"},
		{`{"product_name": "No code"}`, 400, "missing_parameters"},
		{`{"product_name": "x", "short_code": "bad code"}`, 400, "validation_error"},
		{`{"product_name": "x", "short_code": "X1", "authorization_method": "sso"}`, 400, "validation_error"},
		{`{"product_name": "x", "short_code": "X2", "default_license_type": "forever"}`, 400, "validation_error"},
		{`{"product_name": "x", "short_code": "X3", "trial_max_activations": 0}`, 400, "validation_error"},
		{`{"product_name": "x", "short_code": "X4", "is_bundle": true}`, 400, "unsupported_field"},
		{`{"product_name": "x", "short_code": "X5", "colour": "red"}`, 400, "validation_error"},
	} {
		wantError(t, w.post("products/", tt.body), tt.status, tt.code)
	}
	if w.snapshot() != before {
		t.Fatal("a refused create changed the database")
	}
	patch := func(body string) answer { return w.do("PATCH", path, "Api-Key "+w.key, body) }
	if p := patch(`{"is_archived": true, "max_activations": 3}`).json(t); p["is_archived"] != true || p["max_activations"] != float64(3) {
		t.Fatalf("patch: %v", p)
	}
	// An archived product answers archived_product in the License API.
	if code := licenseCode(t, w.licenseAPI("GET", "product_details", map[string]string{"product": "CLOUD"})); code != "archived_product" {
		t.Fatalf("product_details of an archived product: %s", code)
	}
	wantError(t, patch(`{"short_code": "OTHER"}`), 400, "validation_error")
	wantError(t, patch(`{"authorization_method": "license-key"}`), 400, "validation_error")
	if a := patch(string(w.get(path).body)); a.status != 200 {
		t.Fatalf("sending back: %d %s", a.status, a.body)
	}
	for q, want := range map[string]float64{"": 1, "is_archived=true": 1, "short_code__icontains=clo": 1, "authorization_method=license-key": 0} {
		if got := w.get("products/?" + q).json(t)["count"]; got != want {
			t.Errorf("products/?%s: %v, want %v", q, got, want)
		}
	}
	wantError(t, w.get("products/4242/"), 404, "not_found")
}
