package licensor

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// End to end SSO (license-api.md §5.18): licensor with a customer account
// whose OpenID Connect provider is licensor's stand-in provider on loopback
// (LICENSOR_OIDC_BIN, internal/oidctest: real discovery, JWKS,
// authorization and token endpoints; only the login page is left out, the
// user is named by login_hint). The client asks SSOURL, the test plays the
// browser, and the client activates and borrows with the id_token or code.

const (
	ssoClientID = "licensor-app"
	ssoRedirect = "myapp://sso"
)

// startProvider runs the stand-in provider until the test ends; it serves
// until its stdin closes.
func startProvider(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("LICENSOR_OIDC_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "oidc-standin")
		build := exec.Command("go", "build", "-o", bin, "github.com/licensor/licensor/internal/oidctest/standin")
		build.Dir = "../.."
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build the stand-in provider: %v\n%s", err, out)
		}
	}
	cmd := exec.Command(bin)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://") {
		t.Fatalf("the stand-in provider printed %q (%v)", line, err)
	}
	return strings.TrimSpace(line)
}

// signIn asks SSOURL, then follows the provider's authorization endpoint as
// the user's browser and returns the redirect's parameters (code, or
// id_token in the fragment).
func signIn(t *testing.T, c *Client, issuer, responseType, email string) url.Values {
	t.Helper()
	answer, err := c.SSOURL(context.Background(), SSOURLRequest{Product: "TEAM", CustomerAccountCode: "ACME", ResponseType: responseType, RedirectURI: ssoRedirect})
	if err != nil {
		t.Fatal(err)
	}
	if answer.OpenIDConfiguration["issuer"] != issuer || !strings.HasPrefix(answer.URL, issuer+"/authorize?") {
		t.Fatalf("sso_url = %s %v", answer.URL, answer.OpenIDConfiguration)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(answer.URL + "&login_hint=" + url.QueryEscape(email))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound || back.Scheme+"://"+back.Host != ssoRedirect {
		t.Fatalf("authorize: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if back.Fragment != "" {
		q, _ := url.ParseQuery(back.Fragment)
		return q
	}
	return back.Query()
}

func TestEndToEndSSO(t *testing.T) {
	t.Parallel()
	issuer := startProvider(t)
	s := newServer(t)
	s.cli("product", "create", "--code", "TEAM", "--name", "Team", "--auth", "user")
	s.cli("customer-account", "create", "--code", "ACME", "--name", "Acme Corp", "sso_issuer="+issuer, "sso_client_id="+ssoClientID)
	s.cli("customer", "create", "--email", "buyer@acme.example", "--customer-account", "ACME")
	var team, seats struct{ ID int64 }
	s.cliJSON(&team, "license", "create", "--product", "TEAM", "--customer", "buyer@acme.example", "--max-activations", "5", "--json")
	s.cli("user", "create", "--license", strconv.FormatInt(team.ID, 10), "--email", "ann@acme.example")
	s.cliJSON(&seats, "license", "create", "--product", "TEAM", "--customer", "buyer@acme.example", "is_floating_cloud=true",
		"floating_users=1", "can_borrow=true", "max_borrow_time=24", "--json")
	s.cli("user", "create", "--license", strconv.FormatInt(seats.ID, 10), "--email", "dan@acme.example")
	s.start()
	c := s.client(s.publicKey, func(cfg *Config) { cfg.MaxRetries = 0 })
	ctx := context.Background()

	t.Run("implicit grant", func(t *testing.T) {
		got := signIn(t, c, issuer, "token", "ann@acme.example")
		lic, err := c.ActivateLicense(ctx, Identity{Product: "TEAM", HardwareID: "hw-sso-1", CustomerAccountCode: "ACME", IDToken: got.Get("id_token")})
		// The client checked license_signature with the answer's user.email (§3.1).
		if err != nil || lic.User == nil || lic.User.Email != "ann@acme.example" || !lic.Active || lic.ID != team.ID {
			t.Fatalf("SSO activation: %+v %v", lic, err)
		}
		again, err := c.CheckLicense(ctx, Identity{Product: "TEAM", HardwareID: "hw-sso-1", Username: "ann@acme.example"}, CheckOptions{})
		if err != nil || !again.Active {
			t.Fatalf("check by username after SSO: %+v %v", again, err)
		}
	})
	t.Run("authorization code, good once", func(t *testing.T) {
		got := signIn(t, c, issuer, "code", "ann@acme.example")
		id := Identity{Product: "TEAM", HardwareID: "hw-sso-2", CustomerAccountCode: "ACME", Code: got.Get("code"), RedirectURI: ssoRedirect}
		if lic, err := c.ActivateLicense(ctx, id); err != nil || lic.User.Email != "ann@acme.example" {
			t.Fatalf("SSO code activation: %+v %v", lic, err)
		}
		id.HardwareID = "hw-sso-3"
		_, err := c.ActivateLicense(ctx, id)
		wantAPI(t, err, "sso_token_invalid")
	})
	t.Run("borrow", func(t *testing.T) {
		got := signIn(t, c, issuer, "token", "dan@acme.example")
		id := Identity{Product: "TEAM", HardwareID: "hw-sso-9", CustomerAccountCode: "ACME", IDToken: got.Get("id_token")}
		if lic, err := c.ActivateLicense(ctx, id); err != nil || lic.ID != seats.ID {
			t.Fatalf("SSO activation of the floating license: %+v %v", lic, err)
		}
		b, err := c.FloatingBorrow(ctx, id, nil)
		if err != nil || b.LicenseID != seats.ID || b.BorrowedUntil == nil {
			t.Fatalf("SSO borrow: %+v %v", b, err)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		for _, tt := range []struct{ account, code string }{{"ACME", "sso_token_invalid"}, {"NOPE", "customer_account_not_found"}} {
			_, err := c.ActivateLicense(ctx, Identity{Product: "TEAM", HardwareID: "hw-x", CustomerAccountCode: tt.account, IDToken: "not.a.token"})
			wantAPI(t, err, tt.code)
		}
		_, err := c.SSOURL(ctx, SSOURLRequest{Product: "TEAM", CustomerAccountCode: "NOPE", RedirectURI: ssoRedirect})
		wantAPI(t, err, "customer_account_not_found")
		if e := err.(*APIError); e.Status != 400 {
			t.Fatal(fmt.Sprint("status ", e.Status))
		}
	})
}
