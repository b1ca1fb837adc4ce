package licensor

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestLookups(t *testing.T) {
	f := newFakeServer(t)
	answers := map[string]string{
		"trial_key": `{"id":9,"license_type":"time-limited","is_trial":true,"trial_days":14,"max_activations":1,` +
			`"validity_period":"2027-01-15T00:00:00.000Z","license_key":"TRIA-L000","license":"TRIA-L000"}`,
		"product_details": `{"product_id":3,"product_name":"Desktop","short_code":"DESKTOP","allow_trial":true,"trial_days":14,` +
			`"authorization_method":"license-key","metadata":{"a":1},"latest_version":{"version":"2.1.0","environment":"linux",` +
			`"release_date":"2026-05-21T00:00:00.000Z"},"custom_fields":[{"id":1,"name":"edition","default_value":"studio"}]}`,
		"user_licenses": `[{"license":{"id":21,"license_type":"perpetual","license_enabled":true,"license_active":false},` +
			`"user":{"id":4,"email":"ann@example.com","is_initial_password":false}}]`,
		"customer_license_users": `{"company":{"id":1},"customer":{"email":"buyer@example.com"},"users":[{"email":"ann@example.com",` +
			`"is_active":true,"is_initial_password":true,"initial_password":null,"max_activations":3,"license_id":21}]}`,
		"device_licenses":       `[{"id":17,"license_key":"K"},{"id":21,"user":{"email":"ann@example.com"}}]`,
		"check_license_feature": `{"id":7,"license_id":17,"code":"credits","name":"Credits","feature_type":"consumption","max_consumption":50,"total_consumptions":4}`,
	}
	var mu sync.Mutex
	setAnswer := func(endpoint, body string) { mu.Lock(); answers[endpoint] = body; mu.Unlock() }
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		mu.Lock()
		a, ok := answers[strings.TrimPrefix(r.Path, "/api/v4/")]
		mu.Unlock()
		if ok {
			f.replyBytes(w, []byte(a))
			return true
		}
		return false
	})
	c, _ := newClient(t, f.URL)
	ctx := context.Background()

	tr, err := c.TrialKey(ctx, TrialRequest{Product: "DESKTOP", HardwareID: "hw", Email: "e@example.com"})
	if err != nil || tr.Existing || tr.ID != 9 || tr.LicenseKey != "TRIA-L000" || tr.TrialDays != 14 || tr.ValidityPeriod.Year() != 2027 {
		t.Errorf("TrialKey = %+v, %v", tr, err)
	}
	setAnswer("trial_key", `{"license_type":"time-limited","is_trial":true,"license":"TRIA-L000"}`)
	tr, err = c.TrialKey(ctx, TrialRequest{Product: "DESKTOP", HardwareID: "hw"})
	if err != nil || !tr.Existing || tr.LicenseKey != "TRIA-L000" {
		t.Errorf("existing TrialKey = %+v, %v", tr, err)
	}
	pd, err := c.ProductDetails(ctx, ProductDetailsRequest{Product: "DESKTOP", IncludeLatestVersion: true, IncludeCustomFields: true, Env: "linux"})
	if err != nil || pd.ShortCode != "DESKTOP" || !pd.AllowTrial || pd.LatestVersion.Version != "2.1.0" ||
		pd.LatestVersion.ReleaseDate.Year() != 2026 || pd.CustomFields[0].DefaultValue != "studio" || pd.Metadata["a"] != float64(1) {
		t.Errorf("ProductDetails = %+v, %v", pd, err)
	}
	uls, err := c.UserLicenses(ctx, "CLOUD", "ann@example.com", "pw")
	if err != nil || len(uls) != 1 || uls[0].License.ID != 21 || uls[0].License.Active || uls[0].User.Email != "ann@example.com" {
		t.Errorf("UserLicenses = %+v, %v", uls, err)
	}
	clu, err := c.CustomerLicenseUsers(ctx, "CLOUD", "buyer@example.com")
	if err != nil || clu.Customer["email"] != "buyer@example.com" || len(clu.Users) != 1 || clu.Users[0].InitialPassword != "" ||
		!clu.Users[0].Active || clu.Users[0].LicenseID != 21 || clu.Users[0].Raw["email"] != "ann@example.com" {
		t.Errorf("CustomerLicenseUsers = %+v, %v", clu, err)
	}
	dl, err := c.DeviceLicenses(ctx, "hw-1")
	if err != nil || len(dl) != 2 || dl[0].LicenseKey != "K" || dl[1].User.Email != "ann@example.com" {
		t.Errorf("DeviceLicenses = %+v, %v", dl, err)
	}
	ft, err := c.CheckLicenseFeature(ctx, keyID, "credits")
	if err != nil || ft.Code != "credits" || ft.MaxConsumption != 50 || ft.Raw["license_id"] != float64(17) {
		t.Errorf("CheckLicenseFeature = %+v, %v", ft, err)
	}

	want := map[string]map[string]any{
		"trial_key":              {"product": "DESKTOP", "hardware_id": "hw", "email": "e@example.com"},
		"product_details":        {"product": "DESKTOP", "include_latest_version": "true", "include_custom_fields": "true", "env": "linux"},
		"user_licenses":          {"product": "CLOUD", "username": "ann@example.com", "password": "pw"},
		"customer_license_users": {"product": "CLOUD", "customer": "buyer@example.com"},
		"device_licenses":        {"hardware_id": "hw-1"},
	}
	for _, r := range f.seen() {
		w, ok := want[strings.TrimPrefix(r.Path, "/api/v4/")]
		if !ok {
			continue
		}
		delete(want, strings.TrimPrefix(r.Path, "/api/v4/"))
		if r.Method != http.MethodGet || len(r.Params) != len(w) {
			t.Errorf("%s %s sent %v, want %v", r.Method, r.Path, r.Params, w)
		}
		for k, v := range w {
			if r.Params[k] != v {
				t.Errorf("%s: %s=%v, want %v", r.Path, k, r.Params[k], v)
			}
		}
	}

	// A signed answer of the wrong shape is unexpected_response.
	setAnswer("device_licenses", `{"not":"a list"}`)
	var e *APIError
	if _, err := c.DeviceLicenses(ctx, "hw-1"); !errors.As(err, &e) || e.Code != CodeUnexpectedResponse {
		t.Errorf("wrong shape: %v", err)
	}
}
