package licensor

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// usageCatalog provisions what the consumption, variable, version and
// floating calls need, as a vendor would with the CLI:
//
//   - METER: consumption license METER-1 (10 units, no overages) with a
//     consumption feature credits (5 units);
//   - FLOAT: floating cloud license FLOAT-1 (1 seat, 30 minutes, borrowing
//     up to 24 hours, 5 activations) with a floating feature seat (1 seat);
//   - versions 1.0.0 (win64, stable), 1.1.0 (win64, beta) and 2.0.0 (mac)
//     of METER.
func usageCatalog(s *server) {
	s.cli("product", "create", "--code", "METER", "--name", "Meter")
	s.cli("feature", "create", "--product", "METER", "--code", "credits", "--type", "consumption", "--max-consumption", "5")
	s.cli("license", "create", "--product", "METER", "--key", "METER-1", "--type", "consumption", "--max-activations", "3",
		"max_consumptions=10", "allow_offline_activation=true")
	s.cli("version", "add", "--product", "METER", "--version", "1.0.0", "--env", "win64", "--channel", "stable",
		"--link", "https://dl.example.com/meter-1.0.0.msi", "--md5", "0123abcd", "--size", "1048576",
		"--release-date", "2026-01-01T00:00:00Z", "--eula", "https://example.com/eula", "--release-notes", "https://example.com/1.0.0")
	s.cli("version", "add", "--product", "METER", "--version", "1.1.0", "--env", "win64", "--channel", "beta",
		"--link", "https://dl.example.com/meter-1.1.0.msi", "--requires", "1.0.0", "--release-date", "2026-03-01T00:00:00Z")
	s.cli("version", "add", "--product", "METER", "--version", "2.0.0", "--env", "mac",
		"--link", "https://dl.example.com/meter-2.0.0.dmg", "--release-date", "2026-05-01T00:00:00Z")

	s.cli("product", "create", "--code", "FLOAT", "--name", "Float")
	s.cli("feature", "create", "--product", "FLOAT", "--code", "seat", "--floating-cloud", "--floating-users", "1", "--floating-timeout", "30")
	s.cli("license", "create", "--product", "FLOAT", "--key", "FLOAT-1", "--max-activations", "5",
		"is_floating_cloud=true", "floating_users=1", "floating_timeout=30", "can_borrow=true", "max_borrow_time=24")
}

func meter(hw string) Identity {
	return Identity{Product: "METER", HardwareID: hw, LicenseKey: "METER-1"}
}
func float(hw string) Identity {
	return Identity{Product: "FLOAT", HardwareID: hw, LicenseKey: "FLOAT-1"}
}

// startUsageServer serves usageCatalog and returns a client of it.
func startUsageServer(t *testing.T) (*server, *Client) {
	s := newServer(t)
	usageCatalog(s)
	s.start()
	return s, s.client(s.publicKey)
}

func TestEndToEndUsage(t *testing.T) {
	t.Parallel()
	s, c := startUsageServer(t)
	ctx := context.Background()
	if _, err := c.ActivateLicense(ctx, meter("hw-m")); err != nil {
		t.Fatal(err)
	}

	t.Run("add_consumption", func(t *testing.T) {
		got, err := c.AddConsumption(ctx, meter("hw-m"), 4, ConsumptionOptions{})
		if err != nil || got.TotalConsumptions != 4 || got.MaxConsumptions != 10 || got.ID == 0 {
			t.Fatalf("AddConsumption = %+v, %v", got, err)
		}
		// The limit is inclusive: 10 of 10 is allowed, one more is not.
		if got, err = c.AddConsumption(ctx, meter("hw-m"), 6, ConsumptionOptions{}); err != nil || got.TotalConsumptions != 10 {
			t.Fatalf("to the limit = %+v, %v", got, err)
		}
		_, err = c.AddConsumption(ctx, meter("hw-m"), 1, ConsumptionOptions{})
		wantAPI(t, err, "license_not_enough_consumptions")
		l, err := c.CheckLicense(ctx, meter("hw-m"), CheckOptions{})
		if err != nil || l.TotalConsumptions != 10 || l.MaxConsumptions != 10 || l.LicenseType != "consumption" {
			t.Fatalf("check after the refusal = %+v, %v", l, err)
		}
		_, err = c.AddConsumption(ctx, meter("hw-m"), -1, ConsumptionOptions{})
		wantAPI(t, err, "validation_error") // negative units are not allowed on this license
		_, err = c.AddConsumption(ctx, meter("hw-other"), 1, ConsumptionOptions{})
		wantAPI(t, err, "device_not_found")
	})
	t.Run("add_feature_consumption", func(t *testing.T) {
		got, err := c.AddFeatureConsumption(ctx, meter("hw-m"), "credits", 5)
		if err != nil || got.TotalConsumptions != 5 || got.MaxConsumptions != 5 || got.LicenseID == 0 {
			t.Fatalf("AddFeatureConsumption = %+v, %v", got, err)
		}
		_, err = c.AddFeatureConsumption(ctx, meter("hw-m"), "credits", 1)
		wantAPI(t, err, "feature_not_enough_consumptions")
		_, err = c.AddFeatureConsumption(ctx, meter("hw-m"), "nope", 1)
		wantAPI(t, err, "unsupported_product_feature")
		f, err := c.CheckLicenseFeature(ctx, meter("hw-m"), "credits")
		if err != nil || f.TotalConsumptions != 5 {
			t.Fatalf("check_license_feature after = %+v, %v", f, err)
		}
	})
	t.Run("device variables", func(t *testing.T) {
		tracked, err := c.TrackDeviceVariables(ctx, meter("hw-m"), map[string]string{"seat": "front desk", "build": "4711"})
		if err != nil || len(tracked) != 2 || tracked[0].CreatedAt == nil || tracked[0].DeviceID == 0 {
			t.Fatalf("TrackDeviceVariables = %+v, %v", tracked, err)
		}
		if _, err := c.TrackDeviceVariables(ctx, meter("hw-m"), map[string]string{"build": "4712"}); err != nil {
			t.Fatal(err)
		}
		vs, err := c.GetDeviceVariables(ctx, meter("hw-m"))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, v := range vs {
			got[v.Variable] = v.Value
			if v.ID == 0 || v.CreatedAt == nil || v.DeviceID != tracked[0].DeviceID {
				t.Errorf("variable %+v", v)
			}
		}
		if len(got) != 2 || got["seat"] != "front desk" || got["build"] != "4712" {
			t.Errorf("GetDeviceVariables = %v", got)
		}
		_, err = c.GetDeviceVariables(ctx, meter("hw-unknown"))
		wantAPI(t, err, "device_not_found")
	})
	t.Run("versions", func(t *testing.T) {
		all, err := c.Versions(ctx, meter("hw-m"), VersionOptions{})
		if err != nil || len(all) != 3 {
			t.Fatalf("Versions = %+v, %v", all, err)
		}
		win, err := c.Versions(ctx, meter("hw-m"), VersionOptions{Env: "win64", Channel: "beta"})
		if err != nil || len(win) != 1 || win[0].Version != "1.1.0" || win[0].ReleaseDate.Month() != time.March {
			t.Fatalf("Versions win64 beta = %+v, %v", win, err)
		}
		f, err := c.InstallationFile(ctx, meter("hw-m"), InstallationFileOptions{Env: "win64", Version: "1.0.0"})
		if err != nil || f.Version != "1.0.0" || f.URL != "https://dl.example.com/meter-1.0.0.msi" || f.HashMD5 != "0123abcd" ||
			f.Size != "1048576" || f.Environment != "win64" || f.Channel != "stable" || f.EulaLink != "https://example.com/eula" ||
			f.ReleaseNotesLink != "https://example.com/1.0.0" || f.ReleaseDate.Year() != 2026 || f.ID == 0 {
			t.Fatalf("InstallationFile 1.0.0 = %+v, %v", f, err)
		}
		latest, err := c.InstallationFile(ctx, meter("hw-m"), InstallationFileOptions{Env: "win64"})
		if err != nil || latest.Version != "1.1.0" || latest.RequiresVersion != "1.0.0" {
			t.Fatalf("latest win64 = %+v, %v", latest, err)
		}
		_, err = c.InstallationFile(ctx, meter("hw-m"), InstallationFileOptions{Version: "9.9.9"})
		wantAPI(t, err, "version_not_found")
		_, err = c.Versions(ctx, meter("hw-never-activated"), VersionOptions{})
		wantAPI(t, err, "active_license_required")
	})
	t.Run("oauth_url", func(t *testing.T) {
		u, err := c.OAuthURL(ctx)
		if err != nil || u.URL != s.url()+"/oauth/token" || u.Raw["login_type"] != "client_credentials" {
			t.Fatalf("OAuthURL = %+v, %v", u, err)
		}
	})
}

func TestEndToEndFloating(t *testing.T) {
	t.Parallel()
	s, c := startUsageServer(t)
	ctx := context.Background()

	a, err := c.ActivateLicense(ctx, float("hw-a"))
	if err != nil || !a.IsFloatingCloud || a.FloatingUsers != 1 || a.FloatingTimeout != 30*time.Minute || !a.CanBorrow ||
		a.MaxBorrowTime != 24*time.Hour {
		t.Fatalf("floating activation = %+v, %v", a, err)
	}
	// The one seat is A's: B is refused, even to activate.
	_, err = c.ActivateLicense(ctx, float("hw-b"))
	wantAPI(t, err, "no_available_floating_slots")

	t.Run("borrow and release", func(t *testing.T) {
		until := time.Now().Add(2 * time.Hour).Truncate(time.Millisecond)
		b, err := c.FloatingBorrow(ctx, float("hw-a"), &until)
		if err != nil || !b.BorrowedUntil.Equal(until) || b.MaxBorrowTime != 24*time.Hour || b.DeviceID == 0 || b.LicenseID == 0 {
			t.Fatalf("FloatingBorrow = %+v, %v", b, err)
		}
		l, err := c.CheckLicense(ctx, float("hw-a"), CheckOptions{})
		if err != nil || l.Raw["is_borrowed"] != true {
			t.Fatalf("check while borrowed = %+v, %v", l, err)
		}
		tooLong := time.Now().Add(25 * time.Hour)
		_, err = c.FloatingBorrow(ctx, float("hw-a"), &tooLong)
		wantAPI(t, err, "borrow_until_not_valid")
		if b, err = c.FloatingBorrow(ctx, float("hw-a"), nil); err != nil || b.BorrowedUntil.Sub(time.Now()) < 23*time.Hour {
			t.Fatalf("FloatingBorrow(nil) = %+v, %v", b, err)
		}
		_, err = c.ActivateLicense(ctx, float("hw-b"))
		wantAPI(t, err, "no_available_floating_slots")
		if err := c.FloatingRelease(ctx, float("hw-a")); err != nil {
			t.Fatal(err)
		}
		// Released, even though borrowed: B takes the seat, A is refused.
		if _, err := c.ActivateLicense(ctx, float("hw-b")); err != nil {
			t.Fatalf("B after A's release: %v", err)
		}
		_, err = c.CheckLicense(ctx, float("hw-a"), CheckOptions{})
		wantAPI(t, err, "no_available_floating_slots")
		if err := c.FloatingRelease(ctx, float("hw-b")); err != nil {
			t.Fatal(err)
		}
		_, err = c.FloatingBorrow(ctx, float("hw-z"), nil)
		wantAPI(t, err, "device_not_found")
	})
	t.Run("feature borrow and release", func(t *testing.T) {
		if _, err := c.CheckLicense(ctx, float("hw-b"), CheckOptions{}); err != nil { // B holds the license seat now
			t.Fatal(err)
		}
		f, err := c.CheckLicenseFeature(ctx, float("hw-b"), "seat")
		if err != nil || f.Code != "seat" || f.Raw["is_floating_cloud"] != true {
			t.Fatalf("feature seat for B = %+v, %v", f, err)
		}
		if err := c.FloatingRelease(ctx, float("hw-b")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CheckLicense(ctx, float("hw-a"), CheckOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err = c.CheckLicenseFeature(ctx, float("hw-a"), "seat")
		wantAPI(t, err, "no_available_floating_slots")
		until := time.Now().Add(time.Hour).Truncate(time.Millisecond)
		b, err := c.FloatingFeatureBorrow(ctx, float("hw-b"), "seat", &until)
		if err != nil || !b.BorrowedUntil.Equal(until) {
			t.Fatalf("FloatingFeatureBorrow = %+v, %v", b, err)
		}
		_, err = c.FloatingFeatureBorrow(ctx, float("hw-b"), "nope", nil)
		wantAPI(t, err, "unsupported_product_feature")
		if err := c.FloatingFeatureRelease(ctx, float("hw-b"), "seat"); err != nil {
			t.Fatal(err)
		}
		if f, err = c.CheckLicenseFeature(ctx, float("hw-a"), "seat"); err != nil || f.Code != "seat" {
			t.Fatalf("A after B's feature release = %+v, %v", f, err)
		}
	})
	t.Run("borrowing not allowed", func(t *testing.T) {
		s.cli("license", "create", "--product", "FLOAT", "--key", "FLOAT-2", "is_floating_cloud=true", "floating_users=1")
		id := Identity{Product: "FLOAT", HardwareID: "hw-c", LicenseKey: "FLOAT-2"}
		if _, err := c.ActivateLicense(ctx, id); err != nil {
			t.Fatal(err)
		}
		_, err := c.FloatingBorrow(ctx, id, nil)
		wantAPI(t, err, "borrowing_not_allowed")
	})
}

// itoa is strconv.FormatInt for the CLI's arguments.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
