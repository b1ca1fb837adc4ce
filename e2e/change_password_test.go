package e2e

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/licensor/licensor/internal/testkit"
)

func changePassword(username, pw, newPW string) step {
	return call("api.changePassword", map[string]any{"username": username, "password": pw, "new_password": newPW})
}

func TestNodeSDKChangePassword(t *testing.T) {
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
	wantCode(t, in.sdk(nil, changePassword(user.Email, user.InitialPassword, "first new password"))[0], 400, "change_password_not_allowed")

	in.cliJSON(&struct{}{}, "company", "set", "allow_change_password=true", "--json")
	res := in.sdk(nil,
		changePassword(strings.ToUpper(user.Email), user.InitialPassword, "first new password"),
		// The initial password no longer works.
		changePassword(user.Email, user.InitialPassword, "second new password"),
		// Through the SDK's transport and its own v2 verifier.
		call("changePasswordVerified", map[string]any{"username": user.Email, "password": "first new password", "new_password": "second new password"}),
		changePassword(user.Email, "second new password", "short"),
		changePassword(user.Email, "second new password", "second new password"),
		changePassword("nobody@example.com", "second new password", "third new password"),
		changePassword(user.Email, "", "third new password"),
		// The SDK lets extra properties through; the contract refuses them.
		call("api.changePassword", map[string]any{"username": user.Email, "password": "second new password", "new_password": "third new password", "hardware_id": "x"}),
	)
	wantOK(t, res[0], "true")
	wantCode(t, res[1], 400, "user_not_found")
	wantOK(t, res[2], `{"response":true,"v2":"verified","tampered":"signature_v2_mismatch"}`)
	wantCode(t, res[3], 400, "validation_error")
	wantCode(t, res[4], 400, "validation_error")
	wantCode(t, res[5], 400, "user_not_found")
	wantCode(t, res[6], 400, "missing_parameters")
	wantCode(t, res[7], 400, "validation_error")

	// Authorization failures as the SDK sees them.
	res = in.sdk(map[string]any{"sharedKey": "not the shared key"}, changePassword(user.Email, "second new password", "third new password"))
	wantCode(t, res[0], 401, "signature_mismatch")
	res = in.sdk(map[string]any{"apiKey": "00000000-0000-4000-8000-000000000000"}, changePassword(user.Email, "second new password", "third new password"))
	wantCode(t, res[0], 400, "invalid_api_key")

	// A disabled license stops the change.
	in.cliJSON(&struct{}{}, "license", "disable", strconv.FormatInt(lic.ID, 10), "--json")
	wantCode(t, in.sdk(nil, changePassword(user.Email, "second new password", "third new password"))[0], 400, "license_not_enabled")
	in.cliJSON(&struct{}{}, "license", "enable", strconv.FormatInt(lic.ID, 10), "--json")
	wantOK(t, in.sdk(nil, changePassword(user.Email, "second new password", "third new password"))[0], "true")

	// A deactivated user is indistinguishable from an unknown one.
	in.cliJSON(&struct{}{}, "user", "deactivate", "1", "--json")
	wantCode(t, in.sdk(nil, changePassword(user.Email, "third new password", "fourth new password"))[0], 400, "user_not_found")

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

// The key the SDK is configured with is the one the server publishes.
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
	wantCode(t, in.sdk(nil, changePassword("nobody@example.com", "whatever1", "whatever2"))[0], 400, "user_not_found")
}
