package cli_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/licensing"
)

// offlineDevice activates hw on license key through `licensor offline
// activate`: a device without a running server.
func offlineDevice(t *testing.T, e env, dir, apiKey, shared, product, key, hw string) {
	t.Helper()
	date := "Mon, 01 Jun 2026 10:00:00 GMT"
	b, _ := json.Marshal(map[string]any{"request": "activation", "date": date, "api_key": apiKey, "license_key": key,
		"hardware_id": hw, "product": product, "signature": licensing.OfflineSignature([]byte(shared), date, key, hw, apiKey)})
	p := filepath.Join(dir, hw+".req")
	must(t, os.WriteFile(p, []byte(base64.StdEncoding.EncodeToString(b)), 0o600))
	ok(t, e, "offline", "activate", "--request", p, "--out", filepath.Join(dir, hw+".lic"), "--json")
}

func TestDay2Commands(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(filepath.Join(dir, "data"))
	init := ok(t, e, "init", "--json")
	apiKey, shared := init["api_key"].(string), init["shared_key"].(string)
	ok(t, e, "product", "create", "--code", "APP", "--name", "App", "--json")
	ok(t, e, "license", "create", "--product", "APP", "--key", "SUPP-0001", "--customer", "buyer@example.com", "--max-activations", "2", "--json")
	ok(t, e, "license", "create", "--product", "APP", "--key", "SUPP-0002", "--json")
	off := ok(t, e, "license", "create", "--product", "APP", "--key", "SUPP-0003", "--json")
	ok(t, e, "license", "disable", strconv.FormatInt(int64(off["id"].(float64)), 10), "--json")
	offlineDevice(t, e, dir, apiKey, shared, "APP", "SUPP-0001", "laptop-1")

	// Find a license by key, with its devices.
	show := ok(t, e, "license", "show", "SUPP-0001", "--json")
	devs := show["devices"].([]any)
	if show["license_key"] != "SUPP-0001" || len(devs) != 1 || devs[0].(map[string]any)["hardware_id"] != "laptop-1" {
		t.Fatalf("license show by key = %v", show)
	}
	fails(t, e, 1, "no license with id or key", "license", "show", "NOPE-0000")
	if r := run(e, "license", "show", "SUPP-0001"); !strings.Contains(r.stdout, "laptop-1") {
		t.Fatalf("license show text: %s", r.stdout)
	}

	count := func(args ...string) float64 {
		t.Helper()
		return ok(t, e, append(args, "--json")...)["count"].(float64)
	}
	for _, tt := range []struct {
		args []string
		want float64
	}{
		{[]string{"license", "list"}, 3},
		{[]string{"license", "list", "--customer", "BUYER@example.com"}, 1},
		{[]string{"license", "list", "--key", "SUPP-0002"}, 1},
		{[]string{"license", "list", "--product", "APP", "--status", "active"}, 1},
		{[]string{"license", "list", "--status", "inactive"}, 1},
		{[]string{"license", "list", "--status", "disabled"}, 1},
		{[]string{"license", "list", "--limit", "1"}, 3},
		{[]string{"device", "list", "--active", "true"}, 1},
	} {
		if got := count(tt.args...); got != tt.want {
			t.Errorf("%v: count %v, want %v", tt.args, got, tt.want)
		}
	}
	fails(t, e, 2, "--status", "license", "list", "--status", "sleeping")
	fails(t, e, 2, "--limit", "license", "list", "--limit", "0")
	fails(t, e, 2, "is_active", "device", "list", "--active", "maybe")

	// Reset the device: it is inactive and the slot is free.
	devID := strconv.FormatInt(int64(devs[0].(map[string]any)["id"].(float64)), 10)
	ok(t, e, "device", "reset", devID, "--json")
	if got := count("device", "list", "--active", "true"); got != 0 {
		t.Fatalf("active devices after reset: %v", got)
	}
	if l := ok(t, e, "license", "show", "SUPP-0001", "--json"); l["times_activated"] != float64(0) {
		t.Fatalf("after reset: %v", l["times_activated"])
	}
	fails(t, e, 1, "not_found", "device", "reset", "4242")
	fails(t, e, 2, "positive integer", "device", "reset", "abc")

	// A user's password, set from a file, never from the command line.
	ok(t, e, "product", "create", "--code", "TEAM", "--name", "Team", "--auth", "user", "--json")
	team := ok(t, e, "license", "create", "--product", "TEAM", "--json")
	ok(t, e, "user", "create", "--license", strconv.FormatInt(int64(team["id"].(float64)), 10), "--email", "ann@example.com", "--json")
	users := ok(t, e, "user", "list", "--email", "ANN@example.com", "--json")
	if users["count"] != float64(1) || users["users"].([]any)[0].(map[string]any)["is_initial_password"] != true {
		t.Fatalf("user list = %v", users)
	}
	pwFile := filepath.Join(dir, "pw")
	must(t, os.WriteFile(pwFile, []byte("Support-set-1\n"), 0o600))
	ok(t, e, "user", "set-password", "ann@example.com", "--password-file", pwFile, "--json")
	if u := ok(t, e, "user", "list", "--email", "ann@example.com", "--json")["users"].([]any)[0].(map[string]any); u["is_initial_password"] != false {
		t.Fatalf("after set-password: %v", u)
	}
	must(t, os.WriteFile(pwFile, []byte("short\n"), 0o600))
	fails(t, e, 1, "password: must be at least", "user", "set-password", "ann@example.com", "--password-file", pwFile)
	fails(t, e, 1, "not_found", "user", "set-password", "nobody@example.com", "--password-file", pwFile)
	fails(t, e, 2, "--password-file", "user", "set-password", "ann@example.com")

	// Credentials without their shared keys; the audit log of the CLI's writes.
	creds := run(e, "credential", "list", "--json")
	if !strings.Contains(creds.stdout, apiKey) || strings.Contains(creds.stdout, shared) {
		t.Fatalf("credential list: %s", creds.stdout)
	}
	audit := ok(t, e, "audit", "list", "--subject-type", "device", "--json")
	ev := audit["events"].([]any)
	if audit["count"] != float64(1) || ev[0].(map[string]any)["action"] != "device.reset" || ev[0].(map[string]any)["actor"].(map[string]any)["type"] != "cli" {
		t.Fatalf("audit list = %v", audit)
	}
	if got := count("audit", "list", "--action", "license_user.password_set"); got != 1 {
		t.Fatalf("password_set events: %v", got)
	}
	if r := run(e, "audit", "list"); strings.Contains(r.stdout, "Support-set-1") {
		t.Fatal("the audit log shows a password")
	}
}

func TestOrderCreateCommand(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(filepath.Join(dir, "data"))
	ok(t, e, "init", "--json")
	ok(t, e, "product", "create", "--code", "APP", "--name", "App", "--json")
	order := filepath.Join(dir, "order.json")
	must(t, os.WriteFile(order, []byte(`{"id": "shop-77", "customer": {"email": "buyer@example.com"}, "items": [{"product_code": "APP", "licenses": [{"max_activations": 2}, {}]}]}`), 0o600))
	o := ok(t, e, "order", "create", "--file", order, "--json")
	if o["store_id"] != "shop-77" || o["license_count"] != float64(2) || len(o["licenses"].([]any)) != 2 {
		t.Fatalf("order create = %v", o)
	}
	again := ok(t, e, "order", "create", "--file", order, "--json")
	if again["id"] != o["id"] || again["license_count"] != float64(2) {
		t.Fatalf("the same file again = %v", again)
	}
	if n := ok(t, e, "license", "list", "--json")["count"]; n != float64(2) {
		t.Fatalf("licenses after issuing the same order twice: %v", n)
	}
	must(t, os.WriteFile(order, []byte(`{"id": "shop-78", "items": [{"product_code": "NOPE", "licenses": [{}]}]}`), 0o600))
	fails(t, e, 1, "unknown_product", "order", "create", "--file", order)
	fails(t, e, 2, "--file", "order", "create")
}
