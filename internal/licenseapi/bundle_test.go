package licenseapi_test

import (
	"context"
	"testing"

	"github.com/licensor/licensor/internal/licensing"
)

func TestBundles(t *testing.T) {
	c := newCatalog(t)
	ctx := context.Background()
	svc := c.App.Service
	_, err := svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "KEY2", Name: "Second", AuthorizationMethod: "license-key"})
	must(t, err)
	_, err = svc.CreateProduct(ctx, c.CompanyID, licensing.ProductSpec{Code: "SUITE", Name: "Suite", AuthorizationMethod: "license-key", Bundle: true, Includes: []string{"KEY", "KEY2"}})
	must(t, err)
	two := int64(2)
	parent, err := svc.CreateLicense(ctx, c.CompanyID, licensing.LicenseSpec{Product: "SUITE", Key: "SUITE-KEY", MaxActivations: &two})
	must(t, err)
	req := map[string]any{"product": "SUITE", "hardware_id": "HW-B", "license_key": "SUITE-KEY"}

	r := c.post("activate_bundle", req)
	var arr []map[string]any
	c.ok(r, &arr)
	if len(arr) != 2 {
		t.Fatalf("activate_bundle returned %d licenses, want 2", len(arr))
	}
	for i, code := range []string{"KEY", "KEY2"} {
		c.checkV1(arr[i], "HW-B", "SUITE-KEY")
		if arr[i]["product_details"].(map[string]any)["short_code"] != code || arr[i]["license_key"] != "SUITE-KEY" ||
			num(arr[i], "times_activated") != 1 {
			t.Errorf("element %d = %v", i, arr[i])
		}
	}
	// The features of each product come with its license.
	if len(arr[0]["product_features"].([]any)) != 2 || len(arr[1]["product_features"].([]any)) != 0 {
		t.Errorf("features per bundle license: %v / %v", arr[0]["product_features"], arr[1]["product_features"])
	}

	arr = nil
	c.ok(c.get("check_bundle", map[string]string{"product": "SUITE", "hardware_id": "HW-B", "license_key": "SUITE-KEY"}), &arr)
	if len(arr) != 2 || arr[0]["license_active"] != true {
		t.Fatalf("check_bundle = %v", arr)
	}
	// One product of a bundle checks with check_license and bundle_code.
	c.license(c.get("check_license", map[string]string{"product": "KEY2", "bundle_code": "SUITE", "hardware_id": "HW-B", "license_key": "SUITE-KEY"}), "HW-B", "SUITE-KEY")
	// And without it: the bundle key names the license of that product.
	c.license(c.get("check_license", map[string]string{"product": "KEY", "hardware_id": "HW-B", "license_key": "SUITE-KEY"}), "HW-B", "SUITE-KEY")

	wantDeactivated(t, c.post("deactivate_bundle", req))
	wantError(t, c.get("check_bundle", map[string]string{"product": "SUITE", "hardware_id": "HW-B", "license_key": "SUITE-KEY"}), 400, "license_not_active")
	wantError(t, c.post("deactivate_bundle", req), 400, "device_not_found")

	// All or nothing: with one bundle license full, no license of the bundle
	// is activated.
	children, err := c.App.Store.Reader().BundleChildren(ctx, parent.ID)
	must(t, err)
	_, err = svc.SetLicense(ctx, c.CompanyID, children[1].ID, []string{"max_activations=0"})
	must(t, err)
	wantError(t, c.post("activate_bundle", req), 400, "license_activated_max_times")
	after, err := c.App.Store.Reader().License(ctx, c.CompanyID, children[0].ID)
	must(t, err)
	if after.TimesActivated != 0 {
		t.Fatalf("a failed bundle activation left license %d activated", children[0].ID)
	}

	// Disabling the bundle license disables its licenses.
	must(t, svc.SetLicenseEnabled(ctx, c.CompanyID, parent.ID, false))
	wantError(t, c.post("activate_bundle", req), 400, "license_not_enabled")

	for _, tt := range []struct {
		name string
		body map[string]any
		code string
	}{
		{"not a bundle", map[string]any{"product": "KEY", "hardware_id": "h", "license_key": "SUITE-KEY"}, "validation_error"},
		{"unknown key", map[string]any{"product": "SUITE", "hardware_id": "h", "license_key": "NOPE-NOPE"}, "license_not_found"},
		{"missing", map[string]any{"product": "SUITE"}, "missing_parameters"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, c.post("activate_bundle", tt.body), 400, tt.code) })
	}
}
