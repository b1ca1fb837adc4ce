package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/cli"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/testkit"
)

// env is a fake environment with cheap hashing.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func newEnv(dir string) env {
	return env{"LICENSOR_DATA": dir, "LICENSOR_ARGON2_MEMORY": "64", "LICENSOR_ARGON2_TIME": "1"}
}

type result struct {
	code           int
	stdout, stderr string
}

func run(e env, args ...string) result {
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"licensor"}, args...), e.get, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// ok runs a command that must succeed and decodes its --json output.
func ok(t *testing.T, e env, args ...string) map[string]any {
	t.Helper()
	r := run(e, args...)
	if r.code != 0 {
		t.Fatalf("licensor %s: exit %d\nstderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("licensor %s: stdout is not one JSON object: %q", strings.Join(args, " "), r.stdout)
	}
	if strings.Count(strings.TrimSpace(r.stdout), "\n") != 0 {
		t.Fatalf("licensor %s: --json printed more than one line: %q", strings.Join(args, " "), r.stdout)
	}
	return m
}

// fails runs a command that must fail with exit status code and a message
// containing want on stderr, and nothing on stdout.
func fails(t *testing.T, e env, code int, want string, args ...string) {
	t.Helper()
	r := run(e, args...)
	if r.code != code {
		t.Fatalf("licensor %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), r.code, code, r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Fatalf("licensor %s: stderr %q does not contain %q", strings.Join(args, " "), r.stderr, want)
	}
	if r.stdout != "" {
		t.Fatalf("licensor %s: a failure printed on stdout: %q", strings.Join(args, " "), r.stdout)
	}
}

// snapshot is the database's row counts, to show a failed command changed
// nothing.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	a, err := app.Open(context.Background(), app.Config{DataDir: dir, Argon2: testkit.FastArgon2,
		HashPool: testkit.FastPool, Throttle: licensing.DefaultThrottle, Existing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	s, err := a.Store.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e := newEnv(dir)
	m := ok(t, e, "init", "--json")
	if len(m) != 4 {
		t.Errorf("init printed %v, want company_id, api_key, shared_key, public_key_pem", m)
	}
	if m["company_id"] != float64(1) {
		t.Errorf("company_id = %v", m["company_id"])
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(m["api_key"].(string)) {
		t.Errorf("api_key %q is not a UUID", m["api_key"])
	}
	if len(m["shared_key"].(string)) != 40 {
		t.Errorf("shared_key %q is not 40 characters", m["shared_key"])
	}
	pem := m["public_key_pem"].(string)
	if !strings.HasPrefix(pem, "-----BEGIN PUBLIC KEY-----\n") {
		t.Errorf("public_key_pem = %q", pem)
	}
	if fi, err := os.Stat(filepath.Join(dir, "secret.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("secret.key: %v, %v; want mode 0600", fi, err)
	}
	// The shared key is stored sealed, never in clear text.
	db, err := os.ReadFile(app.DatabasePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(db, []byte(m["shared_key"].(string))) {
		t.Error("the database file contains the shared key in clear text")
	}

	// public-key prints the same key.
	if r := run(e, "public-key"); r.code != 0 || r.stdout != pem {
		t.Errorf("public-key = %d %q, want the init key", r.code, r.stdout)
	}
	if got := ok(t, e, "public-key", "--json")["public_key_pem"]; got != pem {
		t.Errorf("public-key --json = %q", got)
	}

	// A second init is refused and changes nothing.
	before := snapshot(t, dir)
	fails(t, e, 1, "already initialized", "init", "--json")
	fails(t, e, 1, "already initialized", "init", "--company-name", "Other")
	if after := snapshot(t, dir); after != before {
		t.Errorf("a refused init changed the database:\n%s\n%s", before, after)
	}
	if r := run(e, "public-key"); r.stdout != pem {
		t.Error("a refused init changed the signing key")
	}
}

func TestProvisioning(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(dir)
	ok(t, e, "init", "--json")

	c := ok(t, e, "credential", "create", "--json", "--label", "ci")
	if c["api_key"] == "" || len(c["shared_key"].(string)) != 40 || c["company_id"] != float64(1) {
		t.Errorf("credential create = %v", c)
	}

	if got := ok(t, e, "company", "set", "allow_change_password=true", "--json"); got["allow_change_password"] != true {
		t.Errorf("company set = %v", got)
	}
	if got := ok(t, e, "company", "show", "--json"); got["allow_change_password"] != true || got["expose_initial_passwords"] != false {
		t.Errorf("company show = %v", got)
	}
	if got := ok(t, e, "company", "set", "expose_initial_passwords=true", "--json"); got["expose_initial_passwords"] != true {
		t.Errorf("company set expose_initial_passwords = %v", got)
	}

	p := ok(t, e, "product", "create", "--code", "APP", "--name", "My App", "--auth", "user", "--json")
	if p["code"] != "APP" || p["id"] == nil {
		t.Errorf("product create = %v", p)
	}
	k := ok(t, e, "product", "create", "--code", "KEYED", "--name", "Keyed", "--json")
	if k["authorization_method"] != "license-key" {
		t.Errorf("default authorization method = %v", k["authorization_method"])
	}

	l := ok(t, e, "license", "create", "--product", "KEYED", "--json")
	if !regexp.MustCompile(`^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$`).MatchString(l["license_key"].(string)) {
		t.Errorf("generated key %q is not XXXX-XXXX-XXXX-XXXX", l["license_key"])
	}
	l2 := ok(t, e, "license", "create", "--product", "KEYED", "--key", "MY-OWN-KEY", "--type", "time-limited",
		"--max-activations", "3", "--validity", "2031-03-04T00:00:00Z", "--disabled", "--json")
	if l2["license_key"] != "MY-OWN-KEY" || l2["license_type"] != "time-limited" || l2["max_activations"] != float64(3) ||
		l2["validity_period"] != "2031-03-04T00:00:00.000Z" || l2["enabled"] != false {
		t.Errorf("license create with options = %v", l2)
	}
	ul := ok(t, e, "license", "create", "--product", "APP", "--json")
	if ul["license_key"] != nil {
		t.Errorf("a user-based license got a key: %v", ul)
	}
	ulID := jsonID(ul)

	u := ok(t, e, "user", "create", "--license", ulID, "--email", "ann@example.com", "--json")
	if u["email"] != "ann@example.com" || len(u["initial_password"].(string)) < 8 {
		t.Errorf("user create = %v", u)
	}
	u2 := ok(t, e, "user", "create", "--license", ulID, "--email", "bob@example.com", "--password", "chosen password", "--json")
	if u2["initial_password"] != "" {
		t.Errorf("a vendor-chosen password is not an initial one: %v", u2)
	}

	if got := ok(t, e, "license", "disable", jsonID(l), "--json"); got["enabled"] != false {
		t.Errorf("license disable = %v", got)
	}
	if got := ok(t, e, "license", "enable", jsonID(l), "--json"); got["enabled"] != true {
		t.Errorf("license enable = %v", got)
	}
	if got := ok(t, e, "user", "deactivate", jsonID(u), "--json"); got["is_active"] != false {
		t.Errorf("user deactivate = %v", got)
	}

	// Text output works too.
	if r := run(e, "product", "create", "--code", "TXT", "--name", "Text"); r.code != 0 || !strings.Contains(r.stdout, "TXT") {
		t.Errorf("text output: %+v", r)
	}
}

func jsonID(m map[string]any) string {
	b, _ := json.Marshal(m["id"])
	return string(b)
}

func TestBadArgumentsChangeNothing(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(dir)
	ok(t, e, "init", "--json")
	ok(t, e, "product", "create", "--code", "APP", "--name", "App", "--auth", "user", "--json")
	ok(t, e, "product", "create", "--code", "KEYED", "--name", "Keyed", "--json")
	keyed := jsonID(ok(t, e, "license", "create", "--product", "KEYED", "--key", "TAKEN-KEY", "--json"))
	userLicense := jsonID(ok(t, e, "license", "create", "--product", "APP", "--json"))
	ok(t, e, "user", "create", "--license", userLicense, "--email", "taken@example.com", "--json")
	before := snapshot(t, dir)

	tests := []struct {
		code int
		want string
		args []string
	}{
		{2, "unknown command", []string{"frobnicate"}},
		{2, "unknown setting", []string{"company", "set", "color=blue"}},
		{2, "allow_change_password", []string{"company", "set", "allow_change_password=maybe"}},
		{2, "key=value", []string{"company", "set", "allow_change_password"}},
		{2, "key=value", []string{"company", "set"}},
		{1, "invalid product code", []string{"product", "create", "--code", "bad code!", "--name", "x"}},
		{1, "invalid authorization method", []string{"product", "create", "--code", "X", "--name", "x", "--auth", "magic"}},
		{1, "already exists", []string{"product", "create", "--code", "APP", "--name", "again"}},
		{1, "name is required", []string{"product", "create", "--code", "NONAME"}},
		{2, "flag provided but not defined", []string{"product", "create", "--bogus"}},
		{2, "--product is required", []string{"license", "create"}},
		{1, "no product", []string{"license", "create", "--product", "NOPE"}},
		{1, "invalid license type", []string{"license", "create", "--product", "KEYED", "--type", "forever"}},
		{2, "RFC 3339", []string{"license", "create", "--product", "KEYED", "--validity", "next year"}},
		{1, "already in use", []string{"license", "create", "--product", "KEYED", "--key", "TAKEN-KEY"}},
		{1, "no key", []string{"license", "create", "--product", "APP", "--key", "ABCD-EFGH"}},
		{1, "negative", []string{"license", "create", "--product", "KEYED", "--max-activations", "-1"}},
		{1, "needs a validity", []string{"license", "create", "--product", "KEYED", "--type", "time-limited"}},
		{2, "--license and --email are required", []string{"user", "create", "--email", "a@b.c"}},
		{1, "invalid email", []string{"user", "create", "--license", userLicense, "--email", "not-an-email"}},
		{1, "no license with id 999", []string{"user", "create", "--license", "999", "--email", "a@b.c"}},
		{1, "already exists", []string{"user", "create", "--license", userLicense, "--email", "TAKEN@example.com"}},
		{1, "key-based", []string{"user", "create", "--license", keyed, "--email", "a@b.c"}},
		{1, "at least 8", []string{"user", "create", "--license", userLicense, "--email", "a@b.c", "--password", "short"}},
		{2, "positive integer", []string{"license", "disable", "abc"}},
		{2, "expected one license id", []string{"license", "disable"}},
		{1, "no license with id 999", []string{"license", "disable", "999"}},
		{1, "no license user with id 999", []string{"user", "deactivate", "999"}},
		{1, "no company with id 42", []string{"product", "create", "--code", "X", "--name", "x", "--company", "42"}},
		{2, "unexpected argument", []string{"credential", "create", "extra"}},
		{1, "no live API key", []string{"credential", "revoke", "nope"}},
	}
	for _, tt := range tests {
		fails(t, e, tt.code, tt.want, tt.args...)
	}
	if after := snapshot(t, dir); after != before {
		t.Fatalf("failed commands changed the database:\n%s\n%s", before, after)
	}
}

func TestCommandsNeedAnInitializedDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	e := newEnv(dir)
	for _, args := range [][]string{
		{"product", "create", "--code", "X", "--name", "x"},
		{"public-key"},
		{"company", "set", "allow_change_password=true"},
	} {
		fails(t, e, 1, "licensor init", args...)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a failed command created the data directory: %v", err)
	}
	fails(t, env{"LICENSOR_ARGON2_TIME": "x"}, 2, "LICENSOR_ARGON2_TIME", "init")
}

func TestSignAndCall(t *testing.T) {
	s := testkit.Start(t)
	if err := s.App.Service.SetCompanySetting(context.Background(), s.CompanyID, "allow_change_password", "true"); err != nil {
		t.Fatal(err)
	}
	e := env{"LICENSOR_API_KEY": s.APIKey, "LICENSOR_SHARED_KEY": s.SharedKey, "LICENSOR_URL": s.URL}

	h := ok(t, e, "sign", "--json")
	d, err := http.ParseTime(h["date"].(string))
	if err != nil || time.Since(d) > time.Minute {
		t.Fatalf("sign date %q: %v", h["date"], err)
	}
	if want := auth.AuthorizationHeader(s.APIKey, []byte(s.SharedKey), h["date"].(string)); h["authorization"] != want {
		t.Fatalf("sign authorization = %q, want %q", h["authorization"], want)
	}

	r := run(e, "call", "POST", "change_password", `{"username":"nobody@example.com","password":"x1234567","new_password":"y1234567"}`)
	if r.code != 1 || !strings.Contains(r.stdout, `"code":"user_not_found"`) || !strings.Contains(r.stderr, "400") {
		t.Fatalf("call = %+v, want exit 1 with the user_not_found body", r)
	}
	r = run(e, "call", "GET", "/api/v4/public_key")
	if r.code != 0 || !strings.Contains(r.stdout, "BEGIN PUBLIC KEY") {
		t.Fatalf("call GET public_key = %+v", r)
	}
	fails(t, env{}, 2, "LICENSOR_API_KEY", "sign")
	fails(t, e, 2, "expected METHOD PATH", "call", "GET")
}

// The hardening settings are validated before anything starts, from flags
// and from the environment alike.
func TestHardeningSettingsAreValidated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e := newEnv(dir)
	fails(t, e, 2, "--rate-limit-ip", "serve", "--rate-limit-ip", "lots")
	fails(t, e, 2, "--rate-limit-company", "serve", "--rate-limit-company", "5/never")
	fails(t, e, 2, "--trial-limit", "serve", "--trial-limit", "off")
	fails(t, e, 2, "must be positive", "serve", "--read-timeout", "0s")
	fails(t, e, 2, "max connections cannot be negative", "serve", "--max-connections", "-1")
	bad := newEnv(dir)
	bad["LICENSOR_RATE_LIMITS"] = "sometimes"
	fails(t, bad, 2, "LICENSOR_RATE_LIMITS", "serve")
	fails(t, e, 2, "--sqlite-synchronous", "init", "--sqlite-synchronous", "off")
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("a refused command created the data directory")
	}
	// Backup and restore refuse what they cannot do, and change nothing.
	fails(t, e, 1, "licensor init", "backup", "--to", filepath.Join(t.TempDir(), "b.db"))
	fails(t, e, 2, "--to FILE is required", "backup")
	fails(t, e, 2, "--from FILE is required", "restore")
	ok(t, e, "init", "--json")
	fails(t, e, 1, "already exists", "restore", "--from", app.DatabasePath(dir))
}

// init --out keeps the credential in a new file, and never overwrites or
// empties one: running it twice loses nothing.
func TestInitOutKeepsTheCredential(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e := newEnv(dir)
	out := filepath.Join(t.TempDir(), "init.json")
	r := run(e, "init", "--out", out)
	if r.code != 0 {
		t.Fatalf("init --out: %d %s", r.code, r.stderr)
	}
	first, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var cred map[string]any
	if err := json.Unmarshal(first, &cred); err != nil || cred["shared_key"] == "" || cred["api_key"] == "" {
		t.Fatalf("init.json = %s (%v)", first, err)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Fatalf("init.json has mode %04o, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(r.stdout, "credential create") {
		t.Fatalf("init does not say how to get another credential:\n%s", r.stdout)
	}
	// Again, onto the same file: refused, the file untouched.
	fails(t, e, 1, "choose a new file", "init", "--out", out)
	if again, _ := os.ReadFile(out); string(again) != string(first) {
		t.Fatal("a second init changed init.json")
	}
	// Onto a new file, on an initialized directory: refused, no file left.
	other := filepath.Join(t.TempDir(), "other.json")
	fails(t, e, 1, "already initialized", "init", "--out", other)
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Fatal("a refused init left its output file")
	}
}
