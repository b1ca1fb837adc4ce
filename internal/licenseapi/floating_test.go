package licenseapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/store"
	"github.com/licensor/licensor/internal/testkit"
)

// floatingCatalog is a catalog on an injected clock with a floating cloud
// license FLOAT-1 of 2 seats (30-minute timeout, borrowing up to 24 h) that
// allows 10 activations.
func floatingCatalog(t *testing.T) (*catalog, *fakeClock) {
	clock := &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
	c := newCatalog(t, func(cfg *app.Config) { cfg.Now = clock.Now })
	c.keyLicense("FLOAT-1", 10, "is_floating_cloud=true", "floating_users=2", "floating_timeout=30", "can_borrow=true", "max_borrow_time=24")
	return c, clock
}

func (c *catalog) activateOn(key, hw string) testkit.Response {
	return c.post("activate_license", map[string]any{"product": "KEY", "hardware_id": hw, "license_key": key})
}

func (c *catalog) checkOn(key, hw string) testkit.Response {
	return c.get("check_license", map[string]string{"product": "KEY", "hardware_id": hw, "license_key": key})
}

func TestFloatingSeats(t *testing.T) {
	c, clock := floatingCatalog(t)
	a := c.license(c.activateOn("FLOAT-1", "hw-a"), "hw-a", "FLOAT-1")
	if a["floating_in_use"] != true || num(a, "floating_in_use_devices") != 1 {
		t.Fatalf("activation of a floating license: in_use %v, in_use_devices %v", a["floating_in_use"], a["floating_in_use_devices"])
	}
	c.license(c.activateOn("FLOAT-1", "hw-b"), "hw-b", "FLOAT-1")
	// Both seats are held: a third device cannot activate, and is not left
	// activated.
	wantError(t, c.activateOn("FLOAT-1", "hw-c"), 400, "no_available_floating_slots")
	wantError(t, c.checkOn("FLOAT-1", "hw-c"), 400, "device_not_found")
	// A device that holds a seat never gets no_available_floating_slots.
	m := c.license(c.checkOn("FLOAT-1", "hw-a"), "hw-a", "FLOAT-1")
	if num(m, "floating_in_use_devices") != 2 || m["is_borrowed"] != false {
		t.Fatalf("check: %v", m)
	}

	// Seats lapse after floating_timeout minutes without a check; a check
	// renews it. hw-a checks at 20 minutes, hw-b does not.
	clock.Add(20 * time.Minute)
	c.license(c.checkOn("FLOAT-1", "hw-a"), "hw-a", "FLOAT-1")
	clock.Add(11 * time.Minute)
	m = c.license(c.activateOn("FLOAT-1", "hw-c"), "hw-c", "FLOAT-1") // takes hw-b's lapsed seat
	if num(m, "floating_in_use_devices") != 2 {
		t.Fatalf("after hw-b lapsed: %v in use", m["floating_in_use_devices"])
	}
	wantError(t, c.checkOn("FLOAT-1", "hw-b"), 400, "no_available_floating_slots")

	// Release frees a seat at once (200, empty body); so does deactivation.
	r := c.post("floating/release", map[string]any{"product": "KEY", "hardware_id": "hw-c", "license_key": "FLOAT-1"})
	if r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("floating/release: %d %q", r.Status, r.Body)
	}
	c.license(c.checkOn("FLOAT-1", "hw-b"), "hw-b", "FLOAT-1")
	wantError(t, c.checkOn("FLOAT-1", "hw-c"), 400, "no_available_floating_slots")
	c.ok(c.post("deactivate_license", map[string]any{"product": "KEY", "hardware_id": "hw-b", "license_key": "FLOAT-1"}), nil)
	c.license(c.checkOn("FLOAT-1", "hw-c"), "hw-c", "FLOAT-1")
	// Releasing a seat not held is fine; a license that is not floating is not.
	if r := c.post("floating/release", map[string]any{"product": "KEY", "hardware_id": "hw-z", "license_key": "FLOAT-1"}); r.Status != 200 {
		t.Fatalf("release of an unheld seat: %d %s", r.Status, r.Body)
	}
	c.keyLicense("PLAIN-1", 2)
	wantError(t, c.post("floating/release", map[string]any{"product": "KEY", "hardware_id": "hw", "license_key": "PLAIN-1"}), 400, "wrong_license_type")
}

func TestFloatingBorrow(t *testing.T) {
	c, clock := floatingCatalog(t)
	c.license(c.activateOn("FLOAT-1", "hw-a"), "hw-a", "FLOAT-1")
	c.license(c.activateOn("FLOAT-1", "hw-b"), "hw-b", "FLOAT-1")
	borrow := func(hw string, until any) testkit.Response {
		return c.post("floating/borrow", map[string]any{"product": "KEY", "hardware_id": hw, "license_key": "FLOAT-1", "borrowed_until": until})
	}
	now := clock.Now()
	until := now.Add(48 * time.Hour)
	wantError(t, borrow("hw-a", until.Format(time.RFC3339)), 400, "borrow_until_not_valid")
	wantError(t, borrow("hw-a", now.Add(-time.Minute).Format(time.RFC3339)), 400, "borrow_until_not_valid")
	wantError(t, borrow("hw-a", "tomorrow"), 400, "validation_error")
	var b map[string]any
	c.ok(borrow("hw-a", now.Add(5*time.Hour).Format(time.RFC3339)), &b)
	want := now.Add(5 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	if b["borrowed_until"] != want || num(b, "max_borrow_time") != 24 || num(b, "device_id") == 0 || num(b, "license_id") == 0 || len(b) != 5 {
		t.Fatalf("borrow answered %v (want borrowed_until %s)", b, want)
	}
	c.ok(borrow("hw-b", nil), &b) // null: now + max_borrow_time
	if b["borrowed_until"] != now.Add(24*time.Hour).UTC().Format("2006-01-02T15:04:05.000Z") {
		t.Fatalf("borrow with null: %v", b["borrowed_until"])
	}
	// A borrowed seat outlives the timeout, and checks show it borrowed.
	clock.Add(4 * time.Hour)
	m := c.license(c.checkOn("FLOAT-1", "hw-a"), "hw-a", "FLOAT-1")
	if m["is_borrowed"] != true || m["borrowed_until"] != want {
		t.Fatalf("check of a borrowed seat: is_borrowed %v until %v", m["is_borrowed"], m["borrowed_until"])
	}
	wantError(t, c.activateOn("FLOAT-1", "hw-c"), 400, "no_available_floating_slots")
	clock.Add(time.Hour + time.Second) // hw-a's borrow has ended
	c.license(c.activateOn("FLOAT-1", "hw-c"), "hw-c", "FLOAT-1")
	// Release gives back a borrowed seat too.
	if r := c.post("floating/release", map[string]any{"product": "KEY", "hardware_id": "hw-b", "license_key": "FLOAT-1"}); r.Status != 200 {
		t.Fatalf("release of a borrowed seat: %d", r.Status)
	}
	m = c.license(c.checkOn("FLOAT-1", "hw-a"), "hw-a", "FLOAT-1")
	if m["is_borrowed"] != false || m["borrowed_until"] != nil {
		t.Fatalf("a plain seat again: %v %v", m["is_borrowed"], m["borrowed_until"])
	}

	c.keyLicense("NO-BORROW", 2, "is_floating_cloud=true", "floating_users=2")
	c.license(c.activateOn("NO-BORROW", "hw-a"), "hw-a", "NO-BORROW")
	wantError(t, c.post("floating/borrow", map[string]any{"product": "KEY", "hardware_id": "hw-a", "license_key": "NO-BORROW"}), 400, "borrowing_not_allowed")
	c.keyLicense("PLAIN-2", 2)
	c.license(c.activateOn("PLAIN-2", "hw-a"), "hw-a", "PLAIN-2")
	wantError(t, c.post("floating/borrow", map[string]any{"product": "KEY", "hardware_id": "hw-a", "license_key": "PLAIN-2"}), 400, "wrong_license_type")
	wantError(t, borrow("hw-unknown", nil), 400, "device_not_found")
}

// Never more seats in use than floating_users, whatever the concurrency:
// 40 racing activations for 3 seats, and 40 racing checks by activated
// devices whose seats have all lapsed.
func TestFloatingSeatsHoldUnderConcurrency(t *testing.T) {
	c, clock := floatingCatalog(t)
	c.keyLicense("FLOAT-3", 100, "is_floating_cloud=true", "floating_users=3", "floating_timeout=30")
	count := func(rs []testkit.Response) int {
		ok := 0
		for _, r := range rs {
			switch {
			case r.Status == 200:
				ok++
			case r.Status != 400 || !strings.Contains(string(r.Body), "no_available_floating_slots"):
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		}
		return ok
	}
	if ok := count(race(40, func(i int) testkit.Response { return c.activateOn("FLOAT-3", fmt.Sprintf("a-%d", i)) })); ok != 3 {
		t.Fatalf("%d of 40 racing activations got one of 3 seats", ok)
	}
	// Activate all 40, one at a time, letting each seat lapse.
	for i := range 40 {
		clock.Add(31 * time.Minute)
		c.license(c.activateOn("FLOAT-3", fmt.Sprintf("a-%d", i)), fmt.Sprintf("a-%d", i), "FLOAT-3")
	}
	clock.Add(31 * time.Minute)
	if ok := count(race(40, func(i int) testkit.Response { return c.checkOn("FLOAT-3", fmt.Sprintf("a-%d", i)) })); ok != 3 {
		t.Fatalf("%d of 40 racing checks got one of 3 seats", ok)
	}
}

// A floating cloud feature has seats of its own, taken by
// check_license_feature, lapsing, released and borrowed like a license's.
func TestFloatingFeatures(t *testing.T) {
	c, clock := floatingCatalog(t)
	_, err := c.App.Service.CreateFeature(context.Background(), c.CompanyID, licensing.FeatureSpec{Product: "KEY", Code: "seat",
		FeatureFloating: store.FeatureFloating{IsFloatingCloud: true, FloatingUsers: 1, FloatingTimeout: 30}})
	must(t, err)
	_, err = c.App.Service.CreateFeature(context.Background(), c.CompanyID, licensing.FeatureSpec{Product: "KEY", Code: "seats3",
		FeatureFloating: store.FeatureFloating{IsFloatingCloud: true, FloatingUsers: 3, FloatingTimeout: 30}})
	must(t, err)
	c.keyLicense("FF-1", 100, "can_borrow=true", "max_borrow_time=24")
	for i := range 40 {
		c.license(c.activateOn("FF-1", fmt.Sprintf("d-%d", i)), fmt.Sprintf("d-%d", i), "FF-1")
	}
	feature := func(hw, code string) testkit.Response {
		return c.get("check_license_feature", map[string]string{"product": "KEY", "hardware_id": hw, "license_key": "FF-1", "feature": code})
	}
	var f map[string]any
	c.ok(feature("d-0", "seat"), &f)
	if f["is_floating_cloud"] != true || num(f, "floating_users") != 1 || num(f, "floating_timeout") != 30 || num(f, "floating_in_use_devices") != 1 {
		t.Fatalf("check_license_feature of a floating feature: %v", f)
	}
	wantError(t, feature("d-1", "seat"), 400, "no_available_floating_slots")
	c.ok(feature("d-0", "seat"), nil) // the holder renews
	clock.Add(31 * time.Minute)
	c.ok(feature("d-1", "seat"), nil) // d-0's seat lapsed
	wantError(t, feature("d-0", "seat"), 400, "no_available_floating_slots")
	release := func(hw, code string) testkit.Response {
		return c.post("floating/feature_release", map[string]any{"product": "KEY", "hardware_id": hw, "license_key": "FF-1", "feature": code})
	}
	if r := release("d-1", "seat"); r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("feature_release: %d %q", r.Status, r.Body)
	}
	var b map[string]any
	c.ok(c.post("floating/feature_borrow", map[string]any{"product": "KEY", "hardware_id": "d-0", "license_key": "FF-1", "feature": "seat", "borrowed_until": nil}), &b)
	if b["borrowed_until"] != clock.Now().Add(24*time.Hour).UTC().Format("2006-01-02T15:04:05.000Z") {
		t.Fatalf("feature_borrow: %v", b)
	}
	clock.Add(time.Hour) // past the timeout, within the borrow
	wantError(t, feature("d-1", "seat"), 400, "no_available_floating_slots")
	for _, tt := range []struct {
		name string
		r    testkit.Response
		code string
	}{
		{"borrow a feature that is not floating", c.post("floating/feature_borrow", map[string]any{"product": "KEY", "hardware_id": "d-0", "license_key": "FF-1", "feature": "pro"}), "wrong_license_type"},
		{"borrow an unknown feature", c.post("floating/feature_borrow", map[string]any{"product": "KEY", "hardware_id": "d-0", "license_key": "FF-1", "feature": "nope"}), "unsupported_product_feature"},
		{"borrow too long", c.post("floating/feature_borrow", map[string]any{"product": "KEY", "hardware_id": "d-2", "license_key": "FF-1", "feature": "seats3", "borrowed_until": clock.Now().Add(25 * time.Hour).Format(time.RFC3339)}), "borrow_until_not_valid"},
		{"release a feature that is not floating", release("d-0", "pro"), "wrong_license_type"},
		{"release without a feature", c.post("floating/feature_release", map[string]any{"product": "KEY", "hardware_id": "d-0", "license_key": "FF-1"}), "missing_parameters"},
	} {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.r, 400, tt.code) })
	}
	// 40 devices race for a feature's 3 seats.
	ok := 0
	for _, r := range race(40, func(i int) testkit.Response { return feature(fmt.Sprintf("d-%d", i), "seats3") }) {
		switch {
		case r.Status == 200:
			ok++
		case r.Status != 400 || !strings.Contains(string(r.Body), "no_available_floating_slots"):
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	if ok != 3 {
		t.Fatalf("%d of 40 racing feature checks got one of 3 seats", ok)
	}
	// The license object shows the feature's seats.
	m := c.license(c.checkOn("FF-1", "d-0"), "d-0", "FF-1")
	for _, pf := range m["product_features"].([]any) {
		if pf := pf.(map[string]any); pf["code"] == "seat" && (pf["is_floating_cloud"] != true || num(pf, "floating_users") != 1) {
			t.Fatalf("product_features entry: %v", pf)
		}
	}
}
