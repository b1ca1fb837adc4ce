package e2e

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/testkit"
)

func changePassword(username, pw, newPW string) map[string]any {
	return map[string]any{"username": username, "password": pw, "new_password": newPW}
}

func TestChangePasswordThroughTheBinary(t *testing.T) {
	in := start(t)
	in.cliJSON(&struct{}{}, "product", "create", "--code", "DESKTOP", "--name", "Desktop App", "--auth", "user", "--json")
	var lic struct{ ID int64 }
	in.cliJSON(&lic, "license", "create", "--product", "DESKTOP", "--json")
	var user struct {
		Email           string `json:"email"`
		InitialPassword string `json:"initial_password"`
	}
	in.cliJSON(&user, "user", "create", "--license", strconv.FormatInt(lic.ID, 10), "--email", "enduser@example.com", "--json")

	// Off by default, as upstream.
	cp := func(p map[string]any) result { return in.api(http.MethodPost, "change_password", p) }
	wantCode(t, cp(changePassword(user.Email, user.InitialPassword, "first new password")), 400, "change_password_not_allowed")

	in.cliJSON(&struct{}{}, "company", "set", "allow_change_password=true", "--json")
	var answer string
	wantOK(t, cp(changePassword(strings.ToUpper(user.Email), user.InitialPassword, "first new password")), &answer)
	if answer != "password_changed" {
		t.Fatalf("change_password answered %q", answer)
	}
	// The initial password no longer works.
	wantCode(t, cp(changePassword(user.Email, user.InitialPassword, "second new password")), 400, "user_not_found")
	wantOK(t, cp(changePassword(user.Email, "first new password", "second new password")), nil)
	wantCode(t, cp(changePassword(user.Email, "second new password", "short")), 400, "validation_error")
	wantCode(t, cp(changePassword(user.Email, "second new password", "second new password")), 400, "validation_error")
	wantCode(t, cp(changePassword("nobody@example.com", "second new password", "third new password")), 400, "user_not_found")
	wantCode(t, cp(changePassword(user.Email, "", "third new password")), 400, "missing_parameters")
	// The contract refuses extra properties.
	wantCode(t, cp(map[string]any{"username": user.Email, "password": "second new password", "new_password": "third new password", "hardware_id": "x"}), 400, "validation_error")

	// Authorization failures.
	wantCode(t, in.apiAs(in.apiKey, "not the shared key", in.url, http.MethodPost, "change_password",
		changePassword(user.Email, "second new password", "third new password")), 401, "signature_mismatch")
	wantCode(t, in.apiAs("00000000-0000-4000-8000-000000000000", in.sharedKey, in.url, http.MethodPost, "change_password",
		changePassword(user.Email, "second new password", "third new password")), 400, "invalid_api_key")

	// A disabled license stops the change.
	in.cliJSON(&struct{}{}, "license", "disable", strconv.FormatInt(lic.ID, 10), "--json")
	wantCode(t, cp(changePassword(user.Email, "second new password", "third new password")), 400, "license_not_enabled")
	in.cliJSON(&struct{}{}, "license", "enable", strconv.FormatInt(lic.ID, 10), "--json")
	wantOK(t, cp(changePassword(user.Email, "second new password", "third new password")), nil)

	// A deactivated user is indistinguishable from an unknown one.
	in.cliJSON(&struct{}{}, "user", "deactivate", "1", "--json")
	wantCode(t, cp(changePassword(user.Email, "third new password", "fourth new password")), 400, "user_not_found")

	// The server logged the requests and none of the passwords.
	logs := in.logs.String()
	if !strings.Contains(logs, "path=/api/v4/change_password") {
		t.Fatalf("no access log:\n%s", logs)
	}
	for _, pw := range []string{user.InitialPassword, "first new password", "second new password", "third new password", in.sharedKey} {
		if strings.Contains(logs, pw) {
			t.Fatalf("the server log contains a secret %q", pw)
		}
	}
}

// The key clients are configured with is the one the server publishes.
func TestPublicKeyEndpointMatchesCLI(t *testing.T) {
	in := start(t)
	resp, err := http.Get(in.url + "/api/v4/public_key")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	cliKey, err := in.cli("public-key")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || string(body) != in.publicKey || cliKey != in.publicKey {
		t.Fatalf("GET public_key = %d %q; CLI %q; init %q", resp.StatusCode, body, cliKey, in.publicKey)
	}
}

// `licensor serve` on an empty directory needs nothing else: it creates the
// database and key, and `licensor init` can run beside it.
func TestServeFirstThenInit(t *testing.T) {
	in := &instance{t: t, data: t.TempDir() + "/fresh", logs: &testkit.SyncBuffer{}}
	in.serve()
	resp, err := http.Get(in.url + "/api/v4/public_key")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "BEGIN PUBLIC KEY") {
		t.Fatalf("public_key on a fresh server = %d %q", resp.StatusCode, body)
	}
	in.init()
	if in.publicKey != string(body) {
		t.Fatal("init and the running server disagree on the public key")
	}
	in.cliJSON(&struct{}{}, "company", "set", "allow_change_password=true", "--json")
	// The running server authorizes the credential init just created.
	wantCode(t, in.api(http.MethodPost, "change_password", changePassword("nobody@example.com", "whatever1", "whatever2")), 400, "user_not_found")
}
