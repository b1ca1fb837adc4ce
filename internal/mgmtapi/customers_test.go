package mgmtapi_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestCustomers(t *testing.T) {
	w := newWorld(t)
	w.catalogApp()
	a := w.post("customers/", `{"email": " Buyer@Example.com ", "first_name": "Ann", "company_name": "Acme", "metadata": "{\"crm\":42}"}`)
	c := a.json(t)
	if a.status != 201 || c["email"] != "Buyer@Example.com" || c["metadata"].(map[string]any)["crm"] != float64(42) || c["total_licenses"] != float64(0) ||
		a.header.Get("Location") != fmt.Sprintf("/api/v1/customers/%v/", c["id"]) {
		t.Fatalf("create: %d %s %v", a.status, a.body, a.header)
	}
	path := fmt.Sprintf("customers/%v/", c["id"])
	before := w.snapshot()
	for _, tt := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"email": "buyer@example.COM"}`, 409, "customer_exists"},
		{`{"first_name": "x"}`, 400, "missing_parameters"},
		{`{"email": "not-an-email"}`, 400, "validation_error"},
		{`{"email": "a|b@example.com"}`, 400, "validation_error"},
		{`{"email": "x@example.com", "nickname": "x"}`, 400, "validation_error"},
		{`{"email": "x@example.com", "customer_account": {"id": 1}}`, 400, "unsupported_field"},
		{`{"email": "x@example.com", "first_name": "` + strings.Repeat("a", 256) + `"}`, 400, "validation_error"},
	} {
		wantError(t, w.post("customers/", tt.body), tt.status, tt.code)
	}
	if w.snapshot() != before {
		t.Fatal("a refused create changed the database")
	}
	// Lists and filters.
	w.post("customers/", `{"email": "other@example.org", "reference": "crm-7"}`)
	for q, want := range map[string]float64{"": 2, "email=BUYER@example.com": 1, "email__icontains=example.org": 1, "reference=crm-7": 1,
		"company_name__icontains=acm": 1, "email__startswith=other": 1} {
		if got := w.get("customers/?" + q).json(t)["count"]; got != want {
			t.Errorf("customers/?%s: %v, want %v", q, got, want)
		}
	}
	// PATCH: a change, a send-back, a taken e-mail, a read-only field.
	if p := w.do("PATCH", path, "Api-Key "+w.key, `{"last_name": "Lee"}`).json(t); p["last_name"] != "Lee" {
		t.Fatalf("patch: %v", p)
	}
	if a := w.do("PATCH", path, "Api-Key "+w.key, string(w.get(path).body)); a.status != 200 {
		t.Fatalf("sending back: %d %s", a.status, a.body)
	}
	wantError(t, w.do("PATCH", path, "Api-Key "+w.key, `{"email": "OTHER@example.org"}`), 409, "customer_exists")
	wantError(t, w.do("PATCH", path, "Api-Key "+w.key, `{"total_licenses": 9}`), 400, "validation_error")
	// A customer with a license cannot be deleted; one without can.
	w.keyLicense("CUST-0001", 1) // its customer is buyer@example.com
	if n := w.get(path).json(t)["total_licenses"]; n != float64(1) {
		t.Fatalf("total_licenses: %v", n)
	}
	wantError(t, w.do("DELETE", path, "Api-Key "+w.key, ""), 409, "customer_has_licenses")
	other := w.get("customers/?email=other@example.org").json(t)["results"].([]any)[0].(map[string]any)
	opath := fmt.Sprintf("customers/%v/", other["id"])
	if a := w.do("DELETE", opath, "Api-Key "+w.key, ""); a.status != 204 || len(a.body) != 0 {
		t.Fatalf("delete: %d %s", a.status, a.body)
	}
	wantError(t, w.get(opath), 404, "not_found")
	wantError(t, w.do("DELETE", opath, "Api-Key "+w.key, ""), 404, "not_found")
}
