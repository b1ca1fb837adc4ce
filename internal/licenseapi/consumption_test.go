package licenseapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/testkit"
)

// consumption is a consumption license of KEY, activated on hw.
func (c *catalog) consumption(key string, settings ...string) int64 {
	c.t.Helper()
	n := int64(5)
	l, err := c.App.Service.CreateLicense(context.Background(), c.CompanyID,
		licensing.LicenseSpec{Product: "KEY", Key: key, Type: "consumption", MaxActivations: &n, Settings: settings})
	must(c.t, err)
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": key}), "hw", key)
	return l.ID
}

func (c *catalog) add(key string, n any, more ...any) testkit.Response {
	c.t.Helper()
	body := map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": key, "consumptions": n}
	for i := 0; i+1 < len(more); i += 2 {
		body[more[i].(string)] = more[i+1]
	}
	return c.post("add_consumption", body)
}

func (c *catalog) addFeature(key, feature string, n any) testkit.Response {
	c.t.Helper()
	return c.post("add_feature_consumption", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": key, "feature": feature, "consumptions": n})
}

// total reads a license's total as check_license shows it.
func (c *catalog) total(key string) int64 {
	c.t.Helper()
	return num(c.license(c.get("check_license", map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": key}), "hw", key), "total_consumptions")
}

func TestAddConsumption(t *testing.T) {
	c := newCatalog(t)
	c.consumption("CONS-1", "max_consumptions=10", "allow_overages=true", "max_overages=3", "allow_negative_consumptions=true")
	c.consumption("CONS-STRICT", "max_consumptions=10")
	c.consumption("CONS-UNLIMITED", "max_consumptions=1", "allow_unlimited_consumptions=true")
	c.keyLicense("PERPETUAL-1", 5)
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "PERPETUAL-1"}), "hw", "PERPETUAL-1")

	var m map[string]any
	c.ok(c.add("CONS-1", 5), &m)
	if num(m, "total_consumptions") != 5 || num(m, "max_consumptions") != 10 || m["allow_overages"] != true || num(m, "max_overages") != 3 ||
		m["allow_negative_consumptions"] != true || m["allow_unlimited_consumptions"] != false || m["reset_consumption"] != false ||
		m["consumption_period"] != nil || num(m["company"].(map[string]any), "id") != c.CompanyID || len(m) != 10 {
		t.Fatalf("add_consumption answered %v", m)
	}
	// The limit is inclusive of the overages: 10 + 3.
	c.ok(c.add("CONS-1", 8), &m)
	if num(m, "total_consumptions") != 13 {
		t.Fatalf("total = %v, want 13", m["total_consumptions"])
	}
	wantError(t, c.add("CONS-1", 1), 400, "license_not_enough_consumptions")
	if got := c.total("CONS-1"); got != 13 {
		t.Fatalf("a refused addition changed the total to %d", got)
	}
	// Giving units back never takes the total below zero.
	c.ok(c.add("CONS-1", -20), &m)
	if num(m, "total_consumptions") != 0 {
		t.Fatalf("total after -20 = %v, want 0", m["total_consumptions"])
	}
	// A client can narrow its overages, never widen them.
	wantError(t, c.add("CONS-1", 11, "allow_overages", false), 400, "license_not_enough_consumptions")
	wantError(t, c.add("CONS-1", 12, "max_overages", 1), 400, "license_not_enough_consumptions")
	wantError(t, c.add("CONS-STRICT", 11, "allow_overages", true, "max_overages", 1000), 400, "license_not_enough_consumptions")
	c.ok(c.add("CONS-1", 11, "max_overages", 1), &m)
	c.ok(c.add("CONS-STRICT", 10, "allow_overages", true, "max_overages", 1000), &m)
	c.ok(c.add("CONS-UNLIMITED", 1000), &m)
	if got := c.total("CONS-UNLIMITED"); got != 1000 {
		t.Fatalf("unlimited total = %d", got)
	}

	for _, tt := range []struct {
		name   string
		r      testkit.Response
		code   string
		status int
	}{
		{"negative without allow_negative_consumptions", c.add("CONS-STRICT", -1), "validation_error", 400},
		{"not a consumption license", c.add("PERPETUAL-1", 1), "wrong_license_type", 400},
		{"consumptions missing", c.post("add_consumption", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "CONS-1"}), "missing_parameters", 400},
		{"consumptions not a number", c.add("CONS-1", "many"), "validation_error", 400},
		{"consumptions fractional", c.add("CONS-1", 1.5), "validation_error", 400},
		{"allow_overages not a boolean", c.add("CONS-1", 1, "allow_overages", "yes"), "validation_error", 400},
		{"unknown license", c.add("NO-SUCH-KEY", 1), "license_not_found", 400},
		{"device not active", c.post("add_consumption", map[string]any{"product": "KEY", "hardware_id": "other", "license_key": "CONS-1", "consumptions": 1}), "device_not_found", 400},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.r, tt.status, tt.code) })
	}
	if got := c.total("CONS-STRICT"); got != 10 {
		t.Fatalf("refusals changed CONS-STRICT's total to %d", got)
	}
}

func TestAddFeatureConsumption(t *testing.T) {
	c := newCatalog(t)
	id := c.keyLicense("FEAT-1", 5)
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "FEAT-1"}), "hw", "FEAT-1")
	var m map[string]any
	c.ok(c.addFeature("FEAT-1", "credits", 60), &m)
	if num(m, "total_consumptions") != 60 || num(m, "max_consumptions") != 100 || num(m, "license_id") != id || m["is_floating"] != false ||
		m["is_floating_cloud"] != false || num(m["company"].(map[string]any), "id") != c.CompanyID {
		t.Fatalf("add_feature_consumption answered %v", m)
	}
	wantError(t, c.addFeature("FEAT-1", "credits", 41), 400, "feature_not_enough_consumptions")
	c.ok(c.addFeature("FEAT-1", "credits", 40), &m)
	wantError(t, c.addFeature("FEAT-1", "credits", -1), 400, "validation_error")
	wantError(t, c.addFeature("FEAT-1", "pro", 1), 400, "feature_not_consumption")
	wantError(t, c.addFeature("FEAT-1", "nope", 1), 400, "unsupported_product_feature")
	wantError(t, c.post("add_feature_consumption", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "FEAT-1", "consumptions": 1}), 400, "missing_parameters")

	// The license's own settings for its feature: overages and giving back.
	must(t, c.App.Service.SetLicenseFeature(context.Background(), c.CompanyID, id, "credits",
		[]string{"allow_overages=true", "max_overages=2", "allow_negative_consumptions=true"}))
	c.ok(c.addFeature("FEAT-1", "credits", 2), &m)
	wantError(t, c.addFeature("FEAT-1", "credits", 1), 400, "feature_not_enough_consumptions")
	c.ok(c.addFeature("FEAT-1", "credits", -200), &m)
	if num(m, "total_consumptions") != 0 || m["allow_overages"] != true || num(m, "max_overages") != 2 {
		t.Fatalf("after giving back: %v", m)
	}
	var feat map[string]any
	c.ok(c.get("check_license_feature", map[string]string{"product": "KEY", "hardware_id": "hw", "license_key": "FEAT-1", "feature": "credits"}), &feat)
	if num(feat, "total_consumptions") != 0 {
		t.Fatalf("check_license_feature shows %v", feat["total_consumptions"])
	}
}

// Concurrent additions never pass a limit: 40 additions of 1 for a limit
// of 10 leave exactly 10 claimed, on the license and on a feature.
func TestConsumptionLimitsHoldUnderConcurrency(t *testing.T) {
	c := newCatalog(t)
	c.consumption("RACE-1", "max_consumptions=10")
	id := c.keyLicense("RACE-F", 5)
	c.license(c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "RACE-F"}), "hw", "RACE-F")
	must(t, c.App.Service.SetLicenseFeature(context.Background(), c.CompanyID, id, "credits", []string{"max_consumption=10"}))
	for _, tt := range []struct {
		name string
		send func() testkit.Response
		code string
	}{
		{"license", func() testkit.Response { return c.add("RACE-1", 1) }, "license_not_enough_consumptions"},
		{"feature", func() testkit.Response { return c.addFeature("RACE-F", "credits", 1) }, "feature_not_enough_consumptions"},
	} {
		ok := 0
		for _, r := range race(40, func(int) testkit.Response { return tt.send() }) {
			switch {
			case r.Status == 200:
				ok++
			case r.Status != 400 || !strings.Contains(string(r.Body), tt.code):
				t.Fatalf("%s: %d %s", tt.name, r.Status, r.Body)
			}
		}
		if ok != 10 {
			t.Fatalf("%s: %d of 40 concurrent additions succeeded for a limit of 10", tt.name, ok)
		}
	}
	if got := c.total("RACE-1"); got != 10 {
		t.Fatalf("total = %d", got)
	}
}

// A periodic counter starts again at each period: the total reads 0 once
// the period has ended (in check_license too, without any write), and the
// full allowance is available again. The clock is injected.
func TestConsumptionResetsEachPeriod(t *testing.T) {
	clock := &fakeClock{t: time.Now().UTC()}
	c := newCatalog(t, func(cfg *app.Config) { cfg.Now = clock.Now })
	c.consumption("DAILY-1", "max_consumptions=10", "reset_consumption=true", "consumption_period=daily")
	c.ok(c.add("DAILY-1", 10), nil)
	wantError(t, c.add("DAILY-1", 1), 400, "license_not_enough_consumptions")
	if got := c.total("DAILY-1"); got != 10 {
		t.Fatalf("total = %d", got)
	}
	clock.Add(23*time.Hour + 59*time.Minute)
	wantError(t, c.add("DAILY-1", 1), 400, "license_not_enough_consumptions")
	clock.Add(time.Minute) // the next day, counted from when the license was created
	if got := c.total("DAILY-1"); got != 0 {
		t.Fatalf("total in the new period = %d, want 0", got)
	}
	var m map[string]any
	c.ok(c.add("DAILY-1", 10), &m)
	if num(m, "total_consumptions") != 10 || m["consumption_period"] != "daily" || m["reset_consumption"] != true {
		t.Fatalf("add in the new period: %v", m)
	}
	clock.Add(72 * time.Hour) // periods that passed with no request still reset
	if got := c.total("DAILY-1"); got != 0 {
		t.Fatalf("total after three idle days = %d", got)
	}
}
