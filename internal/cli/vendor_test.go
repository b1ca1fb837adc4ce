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

func TestOAuthClientCommands(t *testing.T) {
	e := newEnv(t.TempDir())
	ok(t, e, "init", "--json")
	ok(t, e, "product", "create", "--code", "APP", "--name", "App", "--json")
	lic := ok(t, e, "license", "create", "--product", "APP", "--customer", "acme@example.com", "--json")
	all := ok(t, e, "oauth-client", "create", "--label", "backend", "--json")
	id, secret := all["client_id"].(string), all["client_secret"].(string)
	if id == "" || len(secret) < 40 {
		t.Fatalf("oauth-client create = %v", all)
	}
	ok(t, e, "oauth-client", "create", "--license", strconv.FormatInt(int64(lic["id"].(float64)), 10), "--json")
	ok(t, e, "oauth-client", "create", "--customer", "acme@example.com", "--json")
	fails(t, e, 1, "not both", "oauth-client", "create", "--license", "1", "--customer", "acme@example.com")
	fails(t, e, 1, "license 999", "oauth-client", "create", "--license", "999")
	fails(t, e, 1, "customer", "oauth-client", "create", "--customer", "nobody@example.com")
	list := ok(t, e, "oauth-client", "list", "--json")["clients"].([]any)
	if len(list) != 3 || list[0].(map[string]any)["scope"] != "company" || list[1].(map[string]any)["scope"] == "company" {
		t.Fatalf("oauth-client list = %v", list)
	}
	if strings.Contains(run(e, "oauth-client", "list").stdout, secret) {
		t.Fatal("oauth-client list shows a secret")
	}
	rot := ok(t, e, "oauth-client", "rotate", id, "--grace", "1h", "--json")
	if rot["client_secret"] == secret || rot["client_secret"] == "" || rot["previous_valid_for"] != "1h0m0s" {
		t.Fatalf("oauth-client rotate = %v", rot)
	}
	ok(t, e, "oauth-client", "revoke", id, "--json")
	fails(t, e, 1, "no live OAuth client", "oauth-client", "revoke", id)
	fails(t, e, 1, "no live OAuth client", "oauth-client", "rotate", id)
	fails(t, e, 2, "expected one client id", "oauth-client", "revoke")
}

func TestOfflineCommands(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(filepath.Join(dir, "data"))
	init := ok(t, e, "init", "--json")
	apiKey, shared := init["api_key"].(string), init["shared_key"].(string)
	ok(t, e, "product", "create", "--code", "APP", "--name", "App", "--json")
	ok(t, e, "license", "create", "--product", "APP", "--key", "AIR-GAP-1", "--json")
	file := func(kind, sig string) string {
		date := "Mon, 01 Jun 2026 10:00:00 GMT"
		if sig == "" {
			sig = licensing.OfflineSignature([]byte(shared), date, "AIR-GAP-1", "hw-air", apiKey)
		}
		b, _ := json.Marshal(map[string]any{"request": kind, "date": date, "api_key": apiKey, "license_key": "AIR-GAP-1",
			"hardware_id": "hw-air", "product": "APP", "signature": sig})
		// A base64 signature may hold "/": not in a file name.
		p := filepath.Join(dir, kind+strings.NewReplacer("/", "_", "+", "-").Replace(sig[:4])+".req")
		must(t, os.WriteFile(p, []byte(base64.StdEncoding.EncodeToString(b)), 0o600))
		return p
	}
	answer := filepath.Join(dir, "answer.lic")
	got := ok(t, e, "offline", "activate", "--request", file("activation", ""), "--out", answer, "--json")
	if got["answer"] != answer || got["hardware_id"] != "hw-air" {
		t.Fatalf("offline activate = %v", got)
	}
	raw, err := os.ReadFile(answer)
	must(t, err)
	text, err := base64.StdEncoding.DecodeString(string(raw))
	must(t, err)
	var a map[string]any
	must(t, json.Unmarshal(text, &a))
	if a["license_key"] != "AIR-GAP-1" || a["hardware_id"] != "hw-air" || a["offline_signature"] != licensing.OfflineSignature([]byte(shared), a["date"].(string), "AIR-GAP-1", "hw-air", apiKey) ||
		a["license_signature"] == "" || a["license_signature_v2"] == "" {
		t.Fatalf("answer file: %s", text)
	}
	fails(t, e, 1, "exists", "offline", "activate", "--request", file("activation", ""), "--out", answer)
	fails(t, e, 1, "signature does not match", "offline", "activate", "--request", file("activation", "AAAAwrong"), "--out", answer+"2")
	fails(t, e, 2, "--request FILE and --out FILE", "offline", "activate", "--request", file("activation", ""))
	ok(t, e, "offline", "deactivate", "--request", file("deactivation", ""), "--json")
	fails(t, e, 1, "no active device", "offline", "deactivate", "--request", file("deactivation", ""))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCustomerAccountCommands(t *testing.T) {
	e := newEnv(t.TempDir())
	ok(t, e, "init", "--json")
	acme := ok(t, e, "customer-account", "create", "--code", "ACME", "--name", "Acme Corp",
		"sso_issuer=https://login.acme.example/realms/acme", "sso_client_id=licensor-app", "--json")
	if acme["code"] != "ACME" || acme["sso_issuer"] != "https://login.acme.example/realms/acme" || acme["sso_client_id"] != "licensor-app" {
		t.Fatalf("customer-account create = %v", acme)
	}
	ok(t, e, "customer-account", "create", "--code", "PLAIN", "--name", "No SSO", "--json")
	ok(t, e, "customer-account", "create", "--code", "LOCAL", "--name", "Dev", "sso_issuer=http://127.0.0.1:9999", "sso_client_id=x", "--json")
	fails(t, e, 1, "already exists", "customer-account", "create", "--code", "ACME", "--name", "Again")
	fails(t, e, 1, "https", "customer-account", "create", "--code", "HTTP", "--name", "x", "sso_issuer=http://login.example", "sso_client_id=x")
	fails(t, e, 1, "go together", "customer-account", "create", "--code", "HALF", "--name", "x", "sso_issuer=https://login.example")
	fails(t, e, 1, "invalid code", "customer-account", "create", "--code", "has space", "--name", "x")
	fails(t, e, 2, "unknown setting", "customer-account", "create", "--code", "X", "--name", "x", "sso_secret=y")
	fails(t, e, 2, "--code and --name", "customer-account", "create", "--name", "x")
	if h := run(e, "customer-account", "create", "-h"); !strings.Contains(h.stdout+h.stderr, "sso_client_id") {
		t.Fatalf("-h does not name the settings: %s%s", h.stdout, h.stderr)
	}
	ok(t, e, "customer", "create", "--email", "buyer@acme.example", "--customer-account", "ACME", "--json")
	// An unknown account refuses the customer, and creates nothing.
	fails(t, e, 1, "no customer account", "customer", "create", "--email", "lost@acme.example", "--customer-account", "NOPE")
	ok(t, e, "customer", "create", "--email", "lost@acme.example", "--json")
}

func TestManagementKeyCommands(t *testing.T) {
	e := newEnv(t.TempDir())
	ok(t, e, "init", "--json")
	k := ok(t, e, "management-key", "create", "--label", "billing", "--json")
	key, prefix := k["key"].(string), k["prefix"].(string)
	if len(prefix) != 8 || !strings.HasPrefix(key, prefix+".") || len(key) != 8+1+32 || k["read_only"] != false || k["label"] != "billing" {
		t.Fatalf("management-key create = %v", k)
	}
	ro := ok(t, e, "management-key", "create", "--read-only", "--json")
	if ro["read_only"] != true {
		t.Fatalf("--read-only = %v", ro)
	}
	list := run(e, "management-key", "list", "--json")
	if strings.Contains(list.stdout, key[9:]) || !strings.Contains(list.stdout, prefix) {
		t.Fatalf("management-key list shows a secret or misses a key: %s", list.stdout)
	}
	ok(t, e, "management-key", "revoke", key, "--json")
	fails(t, e, 1, "no live management key", "management-key", "revoke", prefix)
	fails(t, e, 2, "expected one key prefix", "management-key", "revoke")
	keys := ok(t, e, "management-key", "list", "--json")["keys"].([]any)
	if len(keys) != 2 || keys[0].(map[string]any)["revoked_at"] == nil || keys[1].(map[string]any)["revoked_at"] != nil {
		t.Fatalf("after revoke: %v", keys)
	}
}
