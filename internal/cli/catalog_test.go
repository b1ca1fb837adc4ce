package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// showLicense runs `license show ID --json`.
func showLicense(t *testing.T, e env, id string) map[string]any {
	t.Helper()
	return ok(t, e, "license", "show", id, "--json")
}

func TestCatalogProvisioning(t *testing.T) {
	e := newEnv(t.TempDir())
	ok(t, e, "init", "--json")
	if got := ok(t, e, "company", "set", "allow_multiple_trials=true", "--json"); got["id"] == nil {
		t.Fatalf("company set = %v", got)
	}

	p := ok(t, e, "product", "create", "--code", "APP", "--name", "App", "allow_trial=true", "trial_days=30",
		"trial_max_activations=2", `metadata={"b":1,"7":"x"}`, "prevent_vm=true", "--json")
	if p["allow_trial"] != true || p["trial_days"] != float64(30) || p["prevent_vm"] != true || p["trial_max_activations"] != float64(2) {
		t.Fatalf("product create with settings = %v", p)
	}
	if b, _ := json.Marshal(p["metadata"]); string(b) != `{"7":"x","b":1}` {
		t.Fatalf("metadata = %s", b)
	}
	if got := ok(t, e, "product", "set", "APP", "prevent_vm=false", "name=The App", "--json"); got["prevent_vm"] != false || got["name"] != "The App" {
		t.Fatalf("product set = %v", got)
	}
	if f := ok(t, e, "feature", "create", "--product", "APP", "--code", "pro", "--name", "Pro", "--json"); f["feature_type"] != "activation" {
		t.Fatalf("feature create = %v", f)
	}
	ok(t, e, "feature", "create", "--product", "APP", "--code", "credits", "--type", "consumption", "--max-consumption", "10", "--json")
	ok(t, e, "custom-field", "create", "--product", "APP", "--name", "edition", "--type", "text", "--default", "std", "--json")
	ok(t, e, "version", "add", "--product", "APP", "--version", "1.2.3", "--env", "linux", "--release-date", "2026-05-01T00:00:00Z", "--json")
	if c := ok(t, e, "customer", "create", "--email", "buyer@example.com", "--company-name", "Buyer Inc", "--json"); c["email"] != "buyer@example.com" {
		t.Fatalf("customer create = %v", c)
	}

	l := ok(t, e, "license", "create", "--product", "APP", "--key", "APP-KEY-1", "--customer", "buyer@example.com",
		"--features", "credits", "--max-activations", "3", "license_type=subscription", "validity_period=2031-01-01T00:00:00Z",
		"allow_grace_period=true", "grace_period=24", "max_transfers=-1", "--json")
	id := jsonID(l)
	s := showLicense(t, e, id)
	for k, want := range map[string]any{"license_key": "APP-KEY-1", "license_type": "subscription", "max_activations": float64(3),
		"validity_period": "2031-01-01T00:00:00.000Z", "allow_grace_period": true, "grace_period": float64(24),
		"max_transfers": float64(-1), "license_active": false, "prevent_vm": false} {
		if s[k] != want {
			t.Errorf("license show %s = %v, want %v", k, s[k], want)
		}
	}
	if s["customer"].(map[string]any)["company_name"] != "Buyer Inc" {
		t.Errorf("customer = %v", s["customer"])
	}
	feats := s["product_features"].([]any)
	if len(feats) != 1 || feats[0].(map[string]any)["code"] != "credits" {
		t.Fatalf("--features credits gave %v", feats)
	}
	if cf := s["custom_fields"].([]any); len(cf) != 1 || cf[0].(map[string]any)["value"] != "std" {
		t.Fatalf("custom fields = %v", cf)
	}

	s = ok(t, e, "license", "feature", "add", id, "pro", "--json")
	if len(s["product_features"].([]any)) != 2 {
		t.Fatalf("license feature add: %v", s["product_features"])
	}
	s = ok(t, e, "license", "feature", "set", id, "credits", "max_consumption=99", "consumption_period=monthly", "--json")
	credits := s["product_features"].([]any)[0].(map[string]any)
	if credits["max_consumption"] != float64(99) || credits["consumption_period"] != "monthly" {
		t.Fatalf("license feature set: %v", credits)
	}
	s = ok(t, e, "license", "field", id, "edition=pro", "--json")
	if s["custom_fields"].([]any)[0].(map[string]any)["value"] != "pro" {
		t.Fatalf("license field: %v", s["custom_fields"])
	}
	s = ok(t, e, "license", "set", id, "enabled=false", "metadata={\"seats\":3}", "--json")
	if s["license_enabled"] != false || s["metadata"].(map[string]any)["seats"] != float64(3) {
		t.Fatalf("license set: %v", s)
	}

	// Users on several licenses, with per-user limits.
	ok(t, e, "product", "create", "--code", "TEAM", "--name", "Team", "--auth", "user", "--json")
	l1 := jsonID(ok(t, e, "license", "create", "--product", "TEAM", "max_license_users=1", "--json"))
	l2 := jsonID(ok(t, e, "license", "create", "--product", "TEAM", "--json"))
	u := ok(t, e, "user", "create", "--license", l1, "--email", "member@example.com", "--first-name", "Mia", "--max-activations", "2", "--json")
	if u["initial_password"] == "" {
		t.Fatalf("user create = %v", u)
	}
	ok(t, e, "user", "attach", "--license", l2, "--email", "member@example.com", "--json")
	fails(t, e, 1, "maximum number of users", "user", "create", "--license", l1, "--email", "second@example.com")

	// Bundles.
	ok(t, e, "product", "create", "--code", "OTHER", "--name", "Other", "--json")
	b := ok(t, e, "product", "create", "--code", "SUITE", "--name", "Suite", "--bundle", "--includes", "APP,OTHER", "--json")
	if b["is_bundle"] != true {
		t.Fatalf("bundle = %v", b)
	}
	bl := ok(t, e, "license", "create", "--product", "SUITE", "--key", "SUITE-1", "--json")
	if s := showLicense(t, e, jsonID(bl)); s["license_key"] != "SUITE-1" {
		t.Fatalf("bundle license = %v", s)
	}

	// Devices and credentials.
	ok(t, e, "device", "blacklist", "BAD-HW", "--reason", "chargeback", "--json")
	fails(t, e, 1, "already blacklisted", "device", "blacklist", "BAD-HW")
	ok(t, e, "device", "unblacklist", "BAD-HW", "--json")
	fails(t, e, 1, "not blacklisted", "device", "unblacklist", "BAD-HW")
	c := ok(t, e, "credential", "create", "--products", "APP,TEAM", "--json")
	if c["api_key"] == "" {
		t.Fatalf("credential create --products = %v", c)
	}

	// Text output of license show.
	r := run(e, "license", "show", id)
	if r.code != 0 || !strings.Contains(r.stdout, "APP-KEY-1") || !strings.Contains(r.stdout, "subscription") {
		t.Fatalf("license show text = %+v", r)
	}
}

func TestCatalogBadArgumentsChangeNothing(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(dir)
	ok(t, e, "init", "--json")
	ok(t, e, "product", "create", "--code", "APP", "--name", "App", "--json")
	ok(t, e, "product", "create", "--code", "TEAM", "--name", "Team", "--auth", "user", "--json")
	id := jsonID(ok(t, e, "license", "create", "--product", "APP", "--json"))
	team := jsonID(ok(t, e, "license", "create", "--product", "TEAM", "--json"))
	before := snapshot(t, dir)
	for _, tt := range []struct {
		code int
		want string
		args []string
	}{
		{1, "unknown product setting", []string{"product", "create", "--code", "X", "--name", "x", "color=red"}},
		{1, "not an integer", []string{"product", "create", "--code", "X", "--name", "x", "trial_days=soon"}},
		{1, "JSON object", []string{"product", "set", "APP", "metadata=[1,2]"}},
		{1, "duplicate key", []string{"product", "set", "APP", `metadata={"a":1,"a":2}`}},
		{1, "is given twice", []string{"product", "set", "APP", "trial_days=1", "trial_days=2"}},
		{2, "expected a product code", []string{"product", "set", "APP"}},
		{1, "no product", []string{"product", "set", "NOPE", "trial_days=1"}},
		{1, "unknown license setting", []string{"license", "set", id, "seats=3"}},
		{1, "RFC 3339", []string{"license", "set", id, "validity_period=tomorrow"}},
		{1, "invalid duration", []string{"license", "set", id, "valid_duration=forever"}},
		{1, "not one of", []string{"license", "set", id, "license_type=lifetime"}},
		{1, "integer >= -1", []string{"license", "set", id, "max_transfers=-2"}},
		{1, "no license with id 999", []string{"license", "set", "999", "enabled=false"}},
		{1, "no feature", []string{"license", "feature", "add", id, "nope"}},
		{1, "no feature", []string{"license", "create", "--product", "APP", "--features", "nope"}},
		{1, "no custom field", []string{"license", "field", id, "nope=1"}},
		{2, "NAME=VALUE", []string{"license", "field", id, "novalue"}},
		{1, "invalid feature type", []string{"feature", "create", "--product", "APP", "--code", "f", "--type", "magic"}},
		{1, "invalid data type", []string{"custom-field", "create", "--product", "APP", "--name", "n", "--type", "color"}},
		{1, "a version is required", []string{"version", "add", "--product", "APP"}},
		{1, "invalid email", []string{"customer", "create", "--email", "nope"}},
		{1, "invalid customer email", []string{"license", "create", "--product", "APP", "--customer", "nope"}},
		{1, "includes products", []string{"product", "create", "--code", "S", "--name", "s", "--bundle"}},
		{1, "no license user", []string{"user", "attach", "--license", team, "--email", "ghost@example.com"}},
		{1, "key-based", []string{"user", "attach", "--license", id, "--email", "ghost@example.com"}},
		{1, "no product", []string{"credential", "create", "--products", "NOPE"}},
		{2, "expected one hardware id", []string{"device", "blacklist"}},
	} {
		fails(t, e, tt.code, tt.want, tt.args...)
	}
	if after := snapshot(t, dir); after != before {
		t.Fatalf("failed commands changed the database:\n%s\n%s", before, after)
	}
}
