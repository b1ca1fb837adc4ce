package licensor

import (
	"context"
	"errors"
	"strconv"
	"testing"
)

// catalog is what provision sets up.
type catalog struct {
	key      string // DESKTOP license, 2 activations, valid until 2031-03-04
	userPW   string // ann@example.com's initial password (CLOUD)
	suiteKey string // SUITE bundle license (EDITOR + VIEWER)
}

// provision sets up a catalog with the CLI, as a vendor would.
func provision(s *server) catalog {
	s.cli("company", "set", "allow_change_password=true")
	s.cli("product", "create", "--code", "DESKTOP", "--name", "Desktop", "allow_trial=true", "trial_days=14")
	s.cli("feature", "create", "--product", "DESKTOP", "--code", "export", "--name", "Export")
	s.cli("feature", "create", "--product", "DESKTOP", "--code", "credits", "--type", "consumption", "--max-consumption", "50")
	s.cli("license", "create", "--product", "DESKTOP", "--key", "DESK-0000-0000-0001", "--max-activations", "2",
		"--type", "subscription", "--validity", "2031-03-04T00:00:00Z", "--customer", "buyer@example.com")
	s.cli("license", "create", "--product", "DESKTOP", "--key", "DESK-0000-0000-0002", "--max-activations", "2")

	s.cli("product", "create", "--code", "CLOUD", "--name", "Cloud", "--auth", "user")
	var ul struct{ ID int64 }
	s.cliJSON(&ul, "license", "create", "--product", "CLOUD", "--customer", "buyer@example.com", "--max-activations", "3", "--json")
	var u struct {
		InitialPassword string `json:"initial_password"`
	}
	s.cliJSON(&u, "user", "create", "--license", strconv.FormatInt(ul.ID, 10), "--email", "ann@example.com", "--json")

	s.cli("product", "create", "--code", "EDITOR", "--name", "Editor")
	s.cli("product", "create", "--code", "VIEWER", "--name", "Viewer")
	s.cli("product", "create", "--code", "SUITE", "--name", "Suite", "--bundle", "--includes", "EDITOR,VIEWER")
	s.cli("license", "create", "--product", "SUITE", "--key", "SUITE-KEY-0001")
	return catalog{key: "DESK-0000-0000-0001", userPW: u.InitialPassword, suiteKey: "SUITE-KEY-0001"}
}

// wantAPI fails unless err is an *APIError with code.
func wantAPI(t *testing.T, err error, code string) {
	t.Helper()
	var e *APIError
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error %v, want APIError %s", err, code)
	}
}

func TestEndToEndAPI(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	cat := provision(s)
	s.start()
	c := s.client(s.publicKey)
	ctx := context.Background()
	key := func(hw string) Identity { return Identity{Product: "DESKTOP", HardwareID: hw, LicenseKey: cat.key} }

	t.Run("activate", func(t *testing.T) {
		id := key("hw-1")
		id.Variables = map[string]string{"seat": "front desk"}
		l, err := c.ActivateLicense(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if l.LicenseKey != cat.key || !l.Enabled || l.Expired || l.ValidityPeriod == nil || l.ValidityPeriod.Year() != 2031 ||
			len(l.Features) != 2 || l.TimesActivated != 1 || l.MaxActivations != 2 || l.ProductCode != "DESKTOP" {
			t.Errorf("activation = %+v", l)
		}
		again, err := c.ActivateLicense(ctx, key("hw-1"))
		if err != nil || again.TimesActivated != 1 {
			t.Errorf("re-activation = %+v, %v", again, err)
		}
	})
	t.Run("activation limit", func(t *testing.T) {
		if _, err := c.ActivateLicense(ctx, key("hw-2")); err != nil {
			t.Fatal(err)
		}
		_, err := c.ActivateLicense(ctx, key("hw-3"))
		wantAPI(t, err, "license_activated_max_times")
	})
	t.Run("check", func(t *testing.T) {
		l, err := c.CheckLicense(ctx, key("hw-1"), CheckOptions{})
		if err != nil || !l.Active || !l.Enabled || l.LicenseKey != cat.key {
			t.Fatalf("check = %+v, %v", l, err)
		}
		if _, err := c.CheckLicense(ctx, key("hw-1"), CheckOptions{IncludeExpiredFeatures: true}); err != nil {
			t.Fatal(err)
		}
		f, err := c.CheckLicenseFeature(ctx, key("hw-1"), "credits")
		if err != nil || f.Code != "credits" || f.Type != "consumption" || f.MaxConsumption != 50 {
			t.Fatalf("check_license_feature = %+v, %v", f, err)
		}
		_, err = c.CheckLicenseFeature(ctx, key("hw-1"), "nope")
		wantAPI(t, err, "unsupported_product_feature")
	})
	t.Run("deactivate", func(t *testing.T) {
		if err := c.DeactivateLicense(ctx, key("hw-2")); err != nil {
			t.Fatal(err)
		}
		_, err := c.CheckLicense(ctx, key("hw-2"), CheckOptions{})
		var e *APIError
		if !errors.As(err, &e) {
			t.Fatalf("check after deactivation: %v", err)
		}
		if _, err := c.ActivateLicense(ctx, key("hw-3")); err != nil {
			t.Fatalf("the freed slot: %v", err)
		}
	})
	user := func(hw, username, pw string) Identity {
		return Identity{Product: "CLOUD", HardwareID: hw, Username: username, Password: pw}
	}
	t.Run("user-based", func(t *testing.T) {
		l, err := c.ActivateLicense(ctx, user("hw-u1", "ann@example.com|ACME", cat.userPW))
		if err != nil || l.User == nil || l.User.Email != "ann@example.com" || l.LicenseKey != "" {
			t.Fatalf("user activation = %+v, %v", l, err)
		}
		if _, err := c.CheckLicense(ctx, user("hw-u1", "ann@example.com|ACME", ""), CheckOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CheckLicense(ctx, user("hw-u1", "ann@example.com", ""), CheckOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err = c.ActivateLicense(ctx, user("hw-u2", "ann@example.com", "wrong password"))
		wantAPI(t, err, "user_not_found")
	})
	t.Run("bundle", func(t *testing.T) {
		id := Identity{Product: "SUITE", HardwareID: "hw-1", LicenseKey: cat.suiteKey}
		ls, err := c.ActivateBundle(ctx, id)
		if err != nil || len(ls) != 2 {
			t.Fatalf("activate_bundle = %v, %v", ls, err)
		}
		codes := map[string]bool{ls[0].ProductCode: true, ls[1].ProductCode: true}
		if !codes["EDITOR"] || !codes["VIEWER"] {
			t.Errorf("bundle products %v", codes)
		}
		if ls, err = c.CheckBundle(ctx, id, CheckOptions{}); err != nil || len(ls) != 2 {
			t.Fatalf("check_bundle = %v, %v", ls, err)
		}
		if err := c.DeactivateBundle(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CheckBundle(ctx, id, CheckOptions{}); err == nil {
			t.Error("check_bundle after deactivation succeeded")
		}
	})
	t.Run("trial_key", func(t *testing.T) {
		tr, err := c.TrialKey(ctx, TrialRequest{Product: "DESKTOP", HardwareID: "trial-hw"})
		if err != nil || tr.Existing || tr.LicenseKey == "" || tr.TrialDays != 14 {
			t.Fatalf("trial_key = %+v, %v", tr, err)
		}
		again, err := c.TrialKey(ctx, TrialRequest{Product: "DESKTOP", HardwareID: "trial-hw"})
		if err != nil || !again.Existing || again.LicenseKey != tr.LicenseKey {
			t.Fatalf("trial_key again = %+v, %v", again, err)
		}
		l, err := c.ActivateLicense(ctx, Identity{Product: "DESKTOP", HardwareID: "trial-hw", LicenseKey: tr.LicenseKey})
		if err != nil || !l.Trial {
			t.Fatalf("trial activation = %+v, %v", l, err)
		}
		_, err = c.TrialKey(ctx, TrialRequest{Product: "CLOUD", HardwareID: "x", Email: "x@example.com"})
		wantAPI(t, err, "trial_not_allowed")
	})
	t.Run("product_details", func(t *testing.T) {
		p, err := c.ProductDetails(ctx, ProductDetailsRequest{Product: "DESKTOP", IncludeLatestVersion: true, IncludeCustomFields: true})
		if err != nil || p.ShortCode != "DESKTOP" || p.Name != "Desktop" || !p.AllowTrial || p.AuthorizationMethod != "license-key" {
			t.Fatalf("product_details = %+v, %v", p, err)
		}
	})
	t.Run("user_licenses", func(t *testing.T) {
		uls, err := c.UserLicenses(ctx, "CLOUD", "ann@example.com", cat.userPW)
		if err != nil || len(uls) != 1 || uls[0].User.Email != "ann@example.com" || uls[0].License.ID == 0 {
			t.Fatalf("user_licenses = %+v, %v", uls, err)
		}
	})
	t.Run("customer_license_users", func(t *testing.T) {
		clu, err := c.CustomerLicenseUsers(ctx, "CLOUD", "buyer@example.com")
		if err != nil || len(clu.Users) != 1 || clu.Users[0].Email != "ann@example.com" || clu.Users[0].InitialPassword != "" {
			t.Fatalf("customer_license_users = %+v, %v", clu, err)
		}
	})
	t.Run("device_licenses", func(t *testing.T) {
		ls, err := c.DeviceLicenses(ctx, "hw-1")
		if err != nil || len(ls) == 0 {
			t.Fatalf("device_licenses = %v, %v", ls, err)
		}
		found := false
		for _, l := range ls {
			found = found || l.LicenseKey == cat.key
		}
		if !found {
			t.Errorf("device_licenses lacks %s: %+v", cat.key, ls)
		}
	})
	t.Run("change_password", func(t *testing.T) {
		const newPW = "a new password 1"
		if err := c.ChangePassword(ctx, "ann@example.com", cat.userPW, newPW); err != nil {
			t.Fatal(err)
		}
		l, err := c.ActivateLicense(ctx, user("hw-u2", "ann@example.com", newPW))
		if err != nil || l.User.IsInitialPassword {
			t.Fatalf("activation with the new password = %+v, %v", l, err)
		}
		_, err = c.ActivateLicense(ctx, user("hw-u3", "ann@example.com", cat.userPW))
		wantAPI(t, err, "user_not_found")
		err = c.ChangePassword(ctx, "ann@example.com", newPW, "short")
		wantAPI(t, err, "validation_error")
	})
}
