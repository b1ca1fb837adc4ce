package mgmtapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/licensing"
)

func (w *world) catalogApp() {
	w.t.Helper()
	_, err := w.App.Service.CreateProduct(context.Background(), w.CompanyID, licensing.ProductSpec{Code: "APP", Name: "App", AuthorizationMethod: "license-key"})
	must(w.t, err)
}

func TestLicensesListAndFilters(t *testing.T) {
	w := newWorld(t)
	w.catalogApp()
	a := w.keyLicense("AAAA-0001", 2)
	b := w.keyLicense("AAAA-0002", 2, "is_trial=true")
	c := w.keyLicense("BBBB-0003", 2)
	r := w.licenseAPI("POST", "activate_license", map[string]any{"product": "APP", "hardware_id": "hw-1", "license_key": "BBBB-0003"})
	if r.Status != 200 {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	ids := func(a answer) []any {
		t.Helper()
		if a.status != 200 {
			t.Fatalf("list: %d %s", a.status, a.body)
		}
		var out []any
		for _, l := range a.json(t)["results"].([]any) {
			out = append(out, l.(map[string]any)["id"])
		}
		return out
	}
	f := func(n int64) float64 { return float64(n) }
	for _, tt := range []struct {
		query string
		want  []float64
	}{
		{"", []float64{f(a), f(b), f(c)}},
		{"license_key=AAAA-0002", []float64{f(b)}},
		{"license_key__startswith=AAAA", []float64{f(a), f(b)}},
		{"license_key__icontains=bbbb", []float64{f(c)}},
		{"license_key__startswith=" + url.QueryEscape("%"), nil},
		{"is_trial=true", []float64{f(b)}},
		{"is_trial=0", []float64{f(a), f(c)}},
		{"customer_email=BUYER@example.com", []float64{f(a), f(b), f(c)}},
		{"devices__hardware_id=hw-1", []float64{f(c)}},
		{"product_short_code=APP&enabled=true", []float64{f(a), f(b), f(c)}},
		{fmt.Sprintf("id__in=%d,%d", c, a), []float64{f(a), f(c)}},
		{"order_by=-id", []float64{f(c), f(b), f(a)}},
		{"order_by=license_key&limit=1&offset=2", []float64{f(c)}},
	} {
		got := ids(w.get("licenses/?" + tt.query))
		if fmt.Sprint(got) != fmt.Sprint(toAny(tt.want)) {
			t.Errorf("licenses/?%s = %v, want %v", tt.query, got, tt.want)
		}
	}
	// Paging: absolute links with the effective limit; limit capped at 100.
	p := w.get("licenses/?limit=2").json(t)
	if p["count"] != float64(3) || !strings.HasPrefix(p["next"].(string), w.URL+"/api/v1/licenses/?") ||
		!strings.Contains(p["next"].(string), "offset=2") || p["previous"] != nil {
		t.Fatalf("first page: %v", p)
	}
	p = w.get("licenses?limit=2&offset=2").json(t)
	if p["next"] != nil || !strings.Contains(p["previous"].(string), "offset=0") || len(p["results"].([]any)) != 1 {
		t.Fatalf("last page: %v", p)
	}
	if p := w.get("licenses/?limit=1000").json(t); len(p["results"].([]any)) != 3 {
		t.Fatalf("limit=1000: %v", p)
	}
	for _, q := range []string{"limit=0", "limit=-1", "limit=abc", "offset=-1", "limit=99999999999999999", "order_by=nope",
		"bogus=1", "license_key=", "license_key=A&license_key=B", "is_trial=maybe", "id__in=1,x", "customer_id=01",
		"created_at__gte=yesterday"} {
		wantError(t, w.get("licenses/?"+q), 400, "validation_error")
	}
	// One license: the License object of §4.7.
	l := w.get(fmt.Sprintf("licenses/%d/", c)).json(t)
	if l["license_key"] != "BBBB-0003" || l["status"] != "Active" || l["times_activated"] != float64(1) ||
		l["product"].(map[string]any)["short_code"] != "APP" || l["customer"].(map[string]any)["email"] != "buyer@example.com" {
		t.Fatalf("license: %v", l)
	}
	if l := w.get(fmt.Sprintf("licenses/%d", a)).json(t); l["status"] != "Inactive" {
		t.Fatalf("status of an unused license: %v", l["status"])
	}
	// Another company's license is not found.
	other, err := w.App.Store.Writer().CreateCompany(context.Background(), "Other", w.Now())
	must(t, err)
	_, err = w.App.Service.CreateProduct(context.Background(), other, licensing.ProductSpec{Code: "APP", Name: "Theirs", AuthorizationMethod: "license-key"})
	must(t, err)
	theirs, err := w.App.Service.CreateLicense(context.Background(), other, licensing.LicenseSpec{Product: "APP", Key: "THEIRS-1"})
	must(t, err)
	wantError(t, w.get(fmt.Sprintf("licenses/%d/", theirs.ID)), 404, "not_found")
	wantError(t, w.post(fmt.Sprintf("licenses/%d/disable/", theirs.ID), ""), 404, "not_found")
	if got := ids(w.get("licenses/?license_key=THEIRS-1")); got != nil {
		t.Fatalf("another company's license is listed: %v", got)
	}
}

func toAny(fs []float64) []any {
	out := []any{}
	for _, f := range fs {
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Disabling through the Management API is what the License API answers at
// once (management-api.md §1.15), and doing it twice changes nothing more.
func TestEnableDisable(t *testing.T) {
	w := newWorld(t)
	w.catalogApp()
	id := w.keyLicense("KEY-0001", 2)
	act := map[string]any{"product": "APP", "hardware_id": "hw", "license_key": "KEY-0001"}
	check := map[string]string{"product": "APP", "hardware_id": "hw", "license_key": "KEY-0001"}
	if code := licenseCode(t, w.licenseAPI("POST", "activate_license", act)); code != "ok" {
		t.Fatal(code)
	}
	licenseCode(t, w.licenseAPI("GET", "check_license", check)) // cached
	path := fmt.Sprintf("licenses/%d/", id)
	wantMessage(t, w.post(path+"disable/", ""), "License disabled.")
	if code := licenseCode(t, w.licenseAPI("GET", "check_license", check)); code != "license_not_enabled" {
		t.Fatalf("check after disable: %s", code)
	}
	before := w.snapshot()
	wantMessage(t, w.post(path+"disable", "{}"), "License disabled.")
	if w.snapshot() != before {
		t.Fatal("disabling a disabled license changed something")
	}
	if l := w.get(path).json(t); l["enabled"] != false || l["status"] != "Disabled" {
		t.Fatalf("after disable: %v", l)
	}
	wantError(t, w.post(path+"enable/", `{"x":1}`), 400, "validation_error")
	wantError(t, w.post(path+"enable/", `not json`), 400, "invalid_json")
	wantError(t, w.post("licenses/424242/enable/", `not json`), 404, "not_found")
	wantMessage(t, w.post(path+"enable/", ""), "License enabled.")
	if code := licenseCode(t, w.licenseAPI("GET", "check_license", check)); code != "ok" {
		t.Fatalf("check after enable: %s", code)
	}
	events, err := w.App.Store.Reader().AuditEvents(context.Background(), w.CompanyID, "license.disabled")
	must(t, err)
	if len(events) != 1 || events[0].ActorType != "management_key" {
		t.Fatalf("audit of disable: %+v", events)
	}
}

func TestBulkEnableDisable(t *testing.T) {
	w := newWorld(t)
	w.catalogApp()
	a, b := w.keyLicense("BULK-0001", 1), w.keyLicense("BULK-0002", 1)
	before := w.snapshot()
	wantError(t, w.post("licenses/disable_bulk/", fmt.Sprintf("[%d, 424242]", a)), 404, "not_found")
	wantError(t, w.post("licenses/disable_bulk/", "[]"), 400, "validation_error")
	wantError(t, w.post("licenses/disable_bulk/", `["x"]`), 400, "validation_error")
	wantError(t, w.post("licenses/disable_bulk/", `{"ids": [1]}`), 400, "validation_error")
	if w.snapshot() != before {
		t.Fatal("a refused bulk change wrote something")
	}
	got := w.post("licenses/disable_bulk/", fmt.Sprintf("[%d, %d, %d]", b, a, b))
	if got.status != 200 || string(got.body) != fmt.Sprintf(`{"message":"Licenses disabled.","ids":[%d,%d]}`, b, a) {
		t.Fatalf("disable_bulk: %d %s", got.status, got.body)
	}
	if n := w.get("licenses/?enabled=false").json(t)["count"]; n != float64(2) {
		t.Fatalf("disabled licenses: %v", n)
	}
	if got := w.post("licenses/enable_bulk", fmt.Sprintf("[%d]", a)); got.status != 200 {
		t.Fatalf("enable_bulk: %d %s", got.status, got.body)
	}
	if n := w.get("licenses/?enabled=true").json(t)["count"]; n != float64(1) {
		t.Fatalf("enabled licenses: %v", n)
	}
}
