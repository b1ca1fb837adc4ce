package licenseapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/licensor/licensor/internal/licenseapi"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/oidctest"
	"github.com/licensor/licensor/internal/store"
	"github.com/licensor/licensor/internal/testkit"
)

// openAPIChecker validates responses against the served OpenAPI document.
type openAPIChecker struct {
	t       *testing.T
	doc     map[string]any
	comp    *jsonschema.Compiler
	schemas map[string]*jsonschema.Schema
	checked int
}

func newOpenAPIChecker(t *testing.T) *openAPIChecker {
	raw := licenseapi.OpenAPI()
	var doc map[string]any
	must(t, json.Unmarshal(raw, &doc))
	res, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	must(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	must(t, c.AddResource("openapi.json", res))
	return &openAPIChecker{t: t, doc: doc, comp: c, schemas: map[string]*jsonschema.Schema{}}
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func (o *openAPIChecker) schema(ptr string) *jsonschema.Schema {
	o.t.Helper()
	if s, ok := o.schemas[ptr]; ok {
		return s
	}
	s, err := o.comp.Compile("openapi.json#" + ptr)
	if err != nil {
		o.t.Fatalf("compile %s: %v", ptr, err)
	}
	o.schemas[ptr] = s
	return s
}

// check validates one response of method on path (under /api/v4).
func (o *openAPIChecker) check(method, path string, r testkit.Response) {
	o.t.Helper()
	p := strings.TrimPrefix(path, "/api/v4")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	op, ok := o.doc["paths"].(map[string]any)[p].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		o.t.Fatalf("the OpenAPI document has no %s %s", method, p)
	}
	base := "/paths/" + pointerEscape(p) + "/" + strings.ToLower(method) + "/responses/"
	var ptr string
	if r.Status == 200 {
		if _, ok := op["responses"].(map[string]any)["200"]; !ok {
			o.t.Fatalf("%s %s answered 200, which is not documented", method, p)
		}
		ct := r.Header.Get("Content-Type")
		ptr = base + "200/content/" + pointerEscape(ct) + "/schema"
		if ct != "application/json" {
			return // the PEM
		}
	} else {
		ptr = base + "default/content/application~1json/schema"
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Body))
	if err != nil {
		o.t.Fatalf("%s %s: body is not JSON: %s", method, p, r.Body)
	}
	if err := o.schema(ptr).Validate(inst); err != nil {
		o.t.Errorf("%s %s %d does not match the OpenAPI document: %v\nbody: %s", method, p, r.Status, err, r.Body)
	}
	if r.Status != 200 {
		var e struct{ Code string }
		_ = json.Unmarshal(r.Body, &e)
		desc, _ := op["responses"].(map[string]any)["default"].(map[string]any)["description"].(string)
		if !strings.Contains(desc, e.Code) {
			o.t.Errorf("%s %s: error code %q is not among those documented (%s)", method, p, e.Code, desc)
		}
	}
	o.checked++
}

// Every route is documented, and nothing undocumented is.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	o := newOpenAPIChecker(t)
	paths := o.doc["paths"].(map[string]any)
	documented := 0
	for _, ops := range paths {
		documented += len(ops.(map[string]any))
	}
	routes := licenseapi.Routes()
	if documented != len(routes) {
		t.Errorf("%d operations documented, %d routes served", documented, len(routes))
	}
	for _, rt := range routes {
		p := strings.TrimPrefix(rt[1], "/api/v4")
		if _, ok := paths[p].(map[string]any)[strings.ToLower(rt[0])]; !ok {
			t.Errorf("%s %s is not documented", rt[0], p)
		}
	}
	// The served document is the embedded one, signed like every response.
	c := newCatalog(t)
	r := c.Do(testkit.Request{Method: "GET", Path: "/api/v4/openapi.json", Header: map[string]string{"Date": "", "Authorization": ""}})
	c.ok(r, nil)
	if !bytes.Equal(r.Body, licenseapi.OpenAPI()) {
		t.Fatal("GET /api/v4/openapi.json does not serve the document")
	}
}

// Real responses of every endpoint, successes and errors, match the
// document.
func TestResponsesMatchOpenAPI(t *testing.T) {
	o := newOpenAPIChecker(t)
	c := newCatalog(t)
	ctx := context.Background()
	svc := c.App.Service
	_, err := svc.SetProduct(ctx, c.CompanyID, "USER", []string{"allow_trial=true", "trial_days=7"})
	must(t, err)
	_, err = svc.AddVersion(ctx, c.CompanyID, licensing.VersionSpec{Product: "KEY", Version: "1.0.0"})
	must(t, err)
	c.keyLicense("DOC-KEY", 2, "license_type=consumption", "max_consumptions=10", "validity_period=2031-01-01T00:00:00Z")
	one := int64(1)
	ul, err := svc.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "USER", Customer: "doc@example.com", MaxActivations: &one})
	must(t, err)
	_, err = svc.CreateLicenseUser(ctx, c.CompanyID, licensing.UserSpec{LicenseID: ul.ID, Email: "docuser@example.com", Password: "user password"})
	must(t, err)
	_, err = svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "B1", Name: "b1", AuthorizationMethod: "license-key"})
	must(t, err)
	_, err = svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "DOCSUITE", Name: "suite", AuthorizationMethod: "license-key", Bundle: true, Includes: []string{"KEY", "B1"}})
	must(t, err)
	_, err = svc.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "DOCSUITE", Key: "DOC-SUITE"})
	must(t, err)

	get := func(path string, q map[string]string) {
		t.Helper()
		v := url.Values{}
		for k, val := range q {
			v.Set(k, val)
		}
		o.check("GET", "/api/v4/"+path, c.Do(testkit.Request{Method: "GET", Path: "/api/v4/" + path + "?" + v.Encode()}))
	}
	post := func(path string, body any) {
		t.Helper()
		b, _ := json.Marshal(body)
		o.check("POST", "/api/v4/"+path, c.Do(testkit.Request{Method: "POST", Path: "/api/v4/" + path, Body: string(b)}))
	}
	key := map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-KEY"}
	user := map[string]string{"product": "USER", "hardware_id": "doc-hw", "username": "docuser@example.com"}
	suite := map[string]string{"product": "DOCSUITE", "hardware_id": "doc-hw", "license_key": "DOC-SUITE"}
	withPw := map[string]any{"product": "USER", "hardware_id": "doc-hw", "username": "docuser@example.com", "password": "user password", "variables": map[string]any{"a": 1}}

	o.check("GET", "/api/v4/public_key", c.Do(testkit.Request{Method: "GET", Path: "/api/v4/public_key"}))
	o.check("GET", "/api/v4/.well-known", c.Do(testkit.Request{Method: "GET", Path: "/api/v4/.well-known"}))
	o.check("GET", "/api/v4/oauth_url", c.Do(testkit.Request{Method: "GET", Path: "/api/v4/oauth_url"}))
	post("activate_license", key)
	post("activate_license", withPw)
	post("activate_license", map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "NOPE-NOPE"})
	post("activate_license", map[string]string{"product": "KEY"})
	get("check_license", key)
	get("check_license", user)
	get("check_license", map[string]string{"product": "KEY", "hardware_id": "other", "license_key": "DOC-KEY"})
	get("check_license_feature", map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-KEY", "feature": "credits"})
	get("check_license_feature", map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-KEY", "feature": "pro"})
	get("check_license_feature", map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-KEY", "feature": "nope"})
	post("activate_bundle", suite)
	get("check_bundle", suite)
	post("deactivate_bundle", suite)
	get("trial_key", map[string]string{"product": "KEY", "hardware_id": "doc-trial"})
	get("trial_key", map[string]string{"product": "KEY", "hardware_id": "doc-trial"})
	get("trial_key", map[string]string{"product": "USER", "hardware_id": "doc-trial", "email": "trialist@example.com"})
	get("trial_key", map[string]string{"product": "B1", "hardware_id": "doc-trial"})
	get("product_details", map[string]string{"product": "KEY"})
	get("product_details", map[string]string{"product": "KEY", "include_latest_version": "true", "include_custom_fields": "true"})
	get("product_details", map[string]string{"product": "USER", "include_latest_version": "true"})
	get("product_details", map[string]string{"product": "NOPE"})
	get("user_licenses", map[string]string{"username": "docuser@example.com", "password": "user password"})
	get("user_licenses", map[string]string{"username": "docuser@example.com", "password": "wrong password"})
	get("customer_license_users", map[string]string{"product": "USER", "customer": "doc@example.com"})
	get("customer_license_users", map[string]string{"product": "USER", "customer": "none@example.com"})
	get("device_licenses", map[string]string{"hardware_id": "doc-hw"})
	get("device_licenses", map[string]string{})
	post("change_password", map[string]string{"username": "docuser@example.com", "password": "user password", "new_password": "new password!"})
	post("change_password", map[string]string{"username": "docuser@example.com"})
	cons := map[string]any{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-KEY", "consumptions": 4}
	post("add_consumption", cons)
	cons["consumptions"] = 100
	post("add_consumption", cons)
	post("add_feature_consumption", map[string]any{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-KEY", "feature": "credits", "consumptions": 3})
	post("add_feature_consumption", map[string]any{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-KEY", "feature": "pro", "consumptions": 3})
	post("track_device_variables", map[string]any{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-KEY", "variables": map[string]any{"os": "linux"}})
	post("track_device_variables", map[string]any{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-KEY"})
	get("get_device_variables", key)
	get("get_device_variables", map[string]string{"product": "KEY", "hardware_id": "other", "license_key": "DOC-KEY"})
	get("versions", key)
	get("versions", map[string]string{"product": "KEY", "hardware_id": "other", "license_key": "DOC-KEY"})
	get("installation_file", key)
	get("installation_file", map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-KEY", "version": "9.9"})
	c.keyLicense("DOC-FLOAT", 2, "is_floating_cloud=true", "floating_users=1", "can_borrow=true", "max_borrow_time=2")
	float := map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-FLOAT"}
	post("activate_license", float)
	get("check_license", float)
	post("floating/borrow", float)
	post("floating/borrow", map[string]any{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-FLOAT", "borrowed_until": "2000-01-01T00:00:00Z"})
	post("floating/release", float)
	_, err = svc.CreateFeature(ctx, c.CompanyID, licensing.FeatureSpec{Product: "KEY", Code: "docseat",
		FeatureFloating: store.FeatureFloating{IsFloatingCloud: true, FloatingUsers: 1}})
	must(t, err)
	c.keyLicense("DOC-FF", 2, "can_borrow=true", "max_borrow_time=2")
	ff := map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-FF"}
	post("activate_license", ff)
	get("check_license_feature", map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-FF", "feature": "docseat"})
	post("floating/feature_borrow", map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-FF", "feature": "docseat"})
	post("floating/feature_borrow", map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-FF", "feature": "pro"})
	post("floating/feature_release", map[string]string{"product": "KEY", "hardware_id": "doc-hw", "license_key": "DOC-FF", "feature": "docseat"})
	c.keyLicense("DOC-OFF", 2)
	off := func(path, body string) {
		o.check("POST", "/api/v4/"+path, c.Do(testkit.Request{Method: "POST", Path: "/api/v4/" + path, Body: body, Header: map[string]string{"Content-Type": "text/plain"}}))
	}
	off("activate_offline", c.offlineFile("activation", "DOC-OFF", "doc-off", false, nil))
	off("activate_offline", "%%%")
	off("deactivate_offline", c.offlineFile("deactivation", "DOC-OFF", "doc-off", true, nil))
	off("deactivate_offline", c.offlineFile("deactivation", "DOC-OFF", "doc-off", true, nil))
	post("deactivate_license", key)
	post("deactivate_license", key)
	post("deactivate_license", map[string]any{"product": "USER", "hardware_id": "doc-hw", "username": "docuser@example.com"})
	idp, err := oidctest.Start("127.0.0.1:0")
	must(t, err)
	defer idp.Close()
	_, err = svc.CreateCustomerAccount(ctx, c.CompanyID, licensing.CustomerAccountSpec{Code: "DOCACME", Name: "Acme", SSOIssuer: idp.URL, SSOClientID: "app"})
	must(t, err)
	get("sso_url", map[string]string{"product": "USER", "customer_account_code": "DOCACME", "redirect_uri": "myapp://sso", "response_type": "token"})
	get("sso_url", map[string]string{"product": "USER", "customer_account_code": "NOPE", "redirect_uri": "myapp://sso"})
	post("activate_license", map[string]string{"product": "USER", "hardware_id": "doc-sso", "customer_account_code": "DOCACME", "id_token": "not.a.token"})

	if o.checked != 61 { // floating/release answers an empty body: only its status is checked
		t.Fatalf("%d responses were checked, want 61", o.checked)
	}
}

// The document is strict enough to catch a wrong response.
func TestOpenAPIRejectsWrongShapes(t *testing.T) {
	o := newOpenAPIChecker(t)
	for _, tt := range []struct{ ptr, body string }{
		{"/components/schemas/Error", `{"status":400,"code":"x","message":"y","extra":1}`},
		{"/components/schemas/Error", `{"status":"400","code":"x","message":"y"}`},
		{"/components/schemas/Feature", `{"id":1,"code":"c","name":"n","feature_type":"other","expiry_date":null,"metadata":{},"is_floating":false,"is_floating_cloud":false}`},
		{"/components/schemas/CustomField", `{"name":"n","data_type":null}`},
		{"/components/schemas/Variable", `{"value":"v","device_id":1,"variable":"x","created_at":"2026-01-01T00:00:00Z"}`},
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.body))
		must(t, err)
		if o.schema(tt.ptr).Validate(inst) == nil {
			t.Errorf("%s accepted %s", tt.ptr, tt.body)
		}
	}
}
