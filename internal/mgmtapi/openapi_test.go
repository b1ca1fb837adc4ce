package mgmtapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/mgmtapi"
)

// openAPI validates answers against the served document.
type openAPI struct {
	t       *testing.T
	doc     map[string]any
	comp    *jsonschema.Compiler
	checked int
}

func newOpenAPI(t *testing.T, raw []byte) *openAPI {
	var doc map[string]any
	must(t, json.Unmarshal(raw, &doc))
	res, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	must(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	must(t, c.AddResource("openapi.json", res))
	return &openAPI{t: t, doc: doc, comp: c}
}

var idSegment = regexp.MustCompile(`/[0-9]+/`)

// check validates an answer to method path (under /api/v1, as sent).
func (o *openAPI) check(method, path string, a answer) {
	o.t.Helper()
	p, _, _ := strings.Cut(path, "?")
	p = "/" + strings.TrimSuffix(p, "/") + "/"
	p = idSegment.ReplaceAllString(p, "/{id}/")
	item, ok := o.doc["paths"].(map[string]any)[p].(map[string]any)
	if !ok {
		o.t.Fatalf("the document has no path %s", p)
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		o.t.Fatalf("the document has no %s %s", method, p)
	}
	esc := strings.NewReplacer("~", "~0", "/", "~1").Replace(p)
	resp := "default"
	if a.status < 400 {
		resp = fmt.Sprint(a.status)
		if _, ok := op["responses"].(map[string]any)[resp]; !ok {
			o.t.Fatalf("%s %s answered %d, which is not documented", method, p, a.status)
		}
	}
	s, err := o.comp.Compile("openapi.json#/paths/" + esc + "/" + strings.ToLower(method) + "/responses/" + resp + "/content/application~1json/schema")
	must(o.t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(a.body))
	if err != nil {
		o.t.Fatalf("%s %s: not JSON: %s", method, p, a.body)
	}
	if err := s.Validate(inst); err != nil {
		o.t.Errorf("%s %s %d does not match the document: %v\n%s", method, p, a.status, err, a.body)
	}
	if a.status >= 400 {
		var e struct{ Code string }
		_ = json.Unmarshal(a.body, &e)
		if desc := op["responses"].(map[string]any)["default"].(map[string]any)["description"].(string); !strings.Contains(desc, e.Code) {
			o.t.Errorf("%s %s: code %s is not documented (%s)", method, p, e.Code, desc)
		}
	}
	o.checked++
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	w := newWorld(t)
	res, err := http.Get(w.URL + "/api/v1/openapi.json") // no key needed
	must(t, err)
	served, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(served, mgmtapi.OpenAPI()) {
		t.Fatalf("GET openapi.json: %d", res.StatusCode)
	}
	o := newOpenAPI(t, served)
	api := mgmtapi.New(w.App.Catalog, slog.New(slog.DiscardHandler), mgmtapi.Config{})
	for _, rt := range api.RoutePatterns() {
		method, path, _ := strings.Cut(rt, " ")
		if _, ok := o.doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)]; !ok {
			t.Errorf("route %s is not in the OpenAPI document", rt)
		}
	}
	documented := 0
	for _, item := range o.doc["paths"].(map[string]any) {
		documented += len(item.(map[string]any))
	}
	if documented != len(api.RoutePatterns())+1 { // + openapi.json itself
		t.Errorf("%d operations documented, %d routes served (+ openapi.json)", documented, len(api.RoutePatterns()))
	}
}

func TestAnswersMatchOpenAPI(t *testing.T) {
	w := newWorld(t)
	o := newOpenAPI(t, mgmtapi.OpenAPI())
	w.catalogApp()
	ctx := context.Background()
	id := w.keyLicense("DOC-0001", 2)
	w.licenseAPI("POST", "activate_license", map[string]any{"product": "APP", "hardware_id": "doc-hw", "license_key": "DOC-0001"})
	_, err := w.App.Service.CreateProduct(ctx, w.CompanyID, licensing.ProductSpec{Code: "TEAM", Name: "Team", AuthorizationMethod: "user"})
	must(t, err)
	team, err := w.App.Service.CreateLicense(ctx, w.CompanyID, licensing.LicenseSpec{Product: "TEAM"})
	must(t, err)
	u, err := w.App.Service.CreateLicenseUser(ctx, w.CompanyID, licensing.UserSpec{LicenseID: team.ID, Email: "doc@example.com"})
	must(t, err)
	lic := fmt.Sprintf("licenses/%d/", id)
	dev := fmt.Sprintf("devices/%d/", int64(w.get("devices/").json(t)["results"].([]any)[0].(map[string]any)["id"].(float64)))
	user := fmt.Sprintf("license-users/%d/", u.ID)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "licenses/", ""}, {"GET", "licenses/?limit=1", ""}, {"GET", "licenses/?bogus=1", ""}, {"GET", lic, ""},
		{"GET", fmt.Sprintf("licenses/%d/", team.ID), ""}, {"GET", "licenses/4242/", ""},
		{"POST", lic + "disable/", ""}, {"POST", lic + "enable/", "{}"}, {"POST", lic + "enable/", "[1]"},
		{"GET", "devices/?license=" + fmt.Sprint(id), ""}, {"GET", dev, ""}, {"POST", dev + "blacklist/", `{"reason":"doc"}`},
		{"POST", dev + "unblacklist/", ""}, {"POST", dev + "reset/", ""}, {"POST", dev + "reset/", "nope"},
		{"GET", "license-users/", ""}, {"GET", user, ""}, {"POST", user + "set_password/", `{"password":"Doc-password-1"}`},
		{"POST", user + "set_password/", `{"password":"x"}`}, {"POST", "license-users/set_password/?email=doc@example.com", `{"password":"Doc-password-2"}`},
		{"POST", "license-users/set_password/", `{}`},
		{"GET", "audit-events/", ""}, {"GET", "audit-events/?action=license.disabled", ""}, {"GET", "audit-events/4242/", ""},
		{"POST", "customers/", `{"email":"doc-customer@example.com"}`}, {"POST", "customers/", `{"email":"doc-customer@example.com"}`},
		{"GET", "customers/?email=buyer@example.com", ""}, {"PATCH", "customers/1/", `{"city":"Basel"}`},
		{"POST", "orders/create_order/", `{"id":"doc-1","items":[{"product_code":"APP","licenses":[{}]}]}`},
		{"POST", "orders/create_order/", `{"id":"doc-1","items":[{"product_code":"APP","licenses":[{}]}]}`},
		{"POST", "orders/create_order/", `{"id":"doc-2","items":[{"product_code":"NOPE","licenses":[{}]}]}`},
		{"GET", "orders/", ""}, {"GET", "orders/1/", ""},
	} {
		o.check(c.method, c.path, w.do(c.method, c.path, "Api-Key "+w.key, c.body))
	}
	o.check("GET", "licenses/", w.do("GET", "licenses/", "", ""))
	o.check("POST", lic+"disable/", w.do("POST", lic+"disable/", "Api-Key "+w.ro, ""))
	if o.checked != 35 {
		t.Fatalf("%d answers checked, want 35", o.checked)
	}
}
