package licenseapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/password"
	"github.com/licensor/licensor/internal/store"
	"github.com/licensor/licensor/internal/testkit"
)

const path = "/api/v4/change_password"

// fixture is a server with change_password allowed and one license user
// on an enabled user-based license.
type fixture struct {
	*testkit.Server
	licenseID int64
	userID    int64
	email     string
	password  string // the user's current (initial) password
}

func newFixture(t *testing.T, opts ...testkit.Option) *fixture {
	t.Helper()
	s := testkit.Start(t, opts...)
	ctx := context.Background()
	svc := s.App.Service
	if err := svc.SetCompanySetting(ctx, s.CompanyID, "allow_change_password", "true"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateProduct(ctx, s.CompanyID, licensing.ProductSpec{Code: "APP", Name: "App", AuthorizationMethod: "user"}); err != nil {
		t.Fatal(err)
	}
	lic, err := svc.CreateLicense(ctx, s.CompanyID, licensing.LicenseSpec{Product: "APP"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{Server: s, licenseID: lic.ID}
	f.userID, f.email, f.password = f.addUser(t, "ann@example.com")
	return f
}

// addUser creates a license user with a generated initial password on the
// fixture's license.
func (f *fixture) addUser(t *testing.T, email string) (int64, string, string) {
	t.Helper()
	u, err := f.App.Service.CreateLicenseUser(context.Background(), f.CompanyID, licensing.UserSpec{LicenseID: f.licenseID, Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID, u.Email, u.InitialPassword
}

func (f *fixture) user(t *testing.T, id int64) *store.LicenseUser {
	t.Helper()
	u, err := f.App.Store.Reader().LicenseUser(context.Background(), f.CompanyID, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func body(username, pw, newPW string) string {
	b, _ := json.Marshal(map[string]string{"username": username, "password": pw, "new_password": newPW})
	return string(b)
}

// wantError asserts an error response: the status, the code, and a body of
// exactly {status, code, message} with status equal to the HTTP status.
func wantError(t *testing.T, r testkit.Response, status int, code string) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("error body is not JSON: %s", r.Body)
	}
	if len(m) != 3 {
		t.Errorf("error body has keys %v, want exactly status, code, message", m)
	}
	if m["status"] != float64(status) || m["code"] != code {
		t.Fatalf("body = %s, want status %d and code %q", r.Body, status, code)
	}
	if msg, ok := m["message"].(string); !ok || msg == "" {
		t.Errorf("message = %v, want a non-empty string", m["message"])
	}
	if !strings.HasPrefix(string(r.Body), `{"status":`) {
		t.Errorf("body keys out of order: %s", r.Body)
	}
	return m
}

func wantChanged(t *testing.T, r testkit.Response) {
	t.Helper()
	if r.Status != http.StatusOK || string(r.Body) != `"password_changed"` {
		t.Fatalf("got %d %s, want 200 \"password_changed\"", r.Status, r.Body)
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("LicenseSignature") == "" {
		t.Fatalf("headers %v: want application/json and a LicenseSignature", r.Header)
	}
}

// unchanged asserts that the user's stored password state is what it was.
func (f *fixture) unchanged(t *testing.T, before *store.LicenseUser) {
	t.Helper()
	after := f.user(t, before.ID)
	if after.PasswordHash != before.PasswordHash || after.IsInitialPassword != before.IsInitialPassword ||
		(after.InitialPasswordSealed == nil) != (before.InitialPasswordSealed == nil) || after.PasswordChangedAt != nil && before.PasswordChangedAt == nil {
		t.Fatalf("the user's password state changed on a failed request")
	}
	events, err := f.App.Store.Reader().AuditEvents(context.Background(), f.CompanyID, "license_user.password_changed")
	if err != nil || len(events) != 0 {
		t.Fatalf("audit events after failures: %d (%v), want none", len(events), err)
	}
}

func TestChangePasswordSuccess(t *testing.T) {
	f := newFixture(t)
	before := f.user(t, f.userID)
	if !before.IsInitialPassword || before.InitialPasswordSealed == nil {
		t.Fatal("fixture user should start with an initial password")
	}
	// Usernames are case-insensitive emails.
	r := f.Do(testkit.Request{Method: "POST", Path: path, Body: body("ANN@Example.COM", f.password, "a much better password")})
	wantChanged(t, r)

	after := f.user(t, f.userID)
	if after.IsInitialPassword || after.InitialPasswordSealed != nil || after.PasswordChangedAt == nil {
		t.Fatalf("after change: is_initial_password=%v initial sealed=%v changed_at=%v", after.IsInitialPassword, after.InitialPasswordSealed, after.PasswordChangedAt)
	}
	if !strings.HasPrefix(after.PasswordHash, "$argon2id$v=19$") || after.PasswordHash == before.PasswordHash {
		t.Fatalf("new hash %q", after.PasswordHash)
	}
	if pw, err := f.App.Service.InitialPassword(after); err != nil || pw != "" {
		t.Fatalf("initial password after change = %q, %v; want erased", pw, err)
	}

	// The old password fails from now on, the new one works.
	wantError(t, f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, f.password, "whatever it is 1")}), 400, "user_not_found")
	wantChanged(t, f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, "a much better password", "and another one")}))

	events, err := f.App.Store.Reader().AuditEvents(context.Background(), f.CompanyID, "license_user.password_changed")
	if err != nil || len(events) != 2 {
		t.Fatalf("audit events = %d (%v), want 2", len(events), err)
	}
	e := events[len(events)-1]
	cred, _ := f.App.Store.Reader().LiveCredential(context.Background(), f.APIKey)
	if e.ActorType != "license_user" || *e.ActorID != f.userID || *e.SubjectID != f.userID || *e.APICredentialID != cred.ID ||
		e.ClientIP != "127.0.0.1" || time.Since(e.OccurredAt) > time.Minute {
		t.Fatalf("audit event = %+v", e)
	}
	for _, secret := range []string{f.password, "a much better password", "and another one"} {
		if strings.Contains(e.Details, secret) {
			t.Fatalf("audit details hold a password: %s", e.Details)
		}
	}
}

// Both spellings the SDKs use for the API key parameter give the same answer.
func TestChangePasswordAPIKeySpellings(t *testing.T) {
	f := newFixture(t)
	_, email2, pw2 := f.addUser(t, "bob@example.com")
	for i, c := range []struct {
		email, pw, param string
	}{{f.email, f.password, "apikey"}, {email2, pw2, "apiKey"}} {
		date := time.Now().UTC().Format(http.TimeFormat)
		authz := fmt.Sprintf(`algorithm="hmac-sha256",headers="date",signature="%s",%s="%s"`, auth.Signature([]byte(f.SharedKey), date), c.param, f.APIKey)
		r := f.Do(testkit.Request{Method: "POST", Path: path, Body: body(c.email, c.pw, "new password "+strconv.Itoa(i)),
			Header: map[string]string{"Date": date, "Authorization": authz}})
		wantChanged(t, r)
	}
}

func TestChangePasswordErrors(t *testing.T) {
	f := newFixture(t, func(c *app.Config) {
		// Large enough that this table never trips the throttle; the
		// throttle has its own test.
		c.Throttle = licensing.ThrottleConfig{PerUser: 1000, PerIP: 1000, Window: time.Minute}
	})
	ctx := context.Background()
	inactiveID, inactiveEmail, inactivePW := f.addUser(t, "inactive@example.com")
	if err := f.App.Service.SetLicenseUserActive(ctx, f.CompanyID, inactiveID, false); err != nil {
		t.Fatal(err)
	}
	// A user whose only license is disabled.
	lic2, err := f.App.Service.CreateLicense(ctx, f.CompanyID, licensing.LicenseSpec{Product: "APP"})
	if err != nil {
		t.Fatal(err)
	}
	disabled, err := f.App.Service.CreateLicenseUser(ctx, f.CompanyID, licensing.UserSpec{LicenseID: lic2.ID, Email: "dis@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.App.Service.SetLicenseEnabled(ctx, f.CompanyID, lic2.ID, false); err != nil {
		t.Fatal(err)
	}
	// A second credential, then revoked.
	revoked, err := f.App.Service.CreateCredential(ctx, f.CompanyID, "old")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.App.Service.RevokeCredential(ctx, f.CompanyID, revoked.APIKey); err != nil {
		t.Fatal(err)
	}

	now := time.Now().UTC()
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	signed := func(apiKey, shared, d string) map[string]string {
		return map[string]string{"Date": d, "Authorization": auth.AuthorizationHeader(apiKey, []byte(shared), d)}
	}
	good := body(f.email, f.password, "a new password")
	tooBig := `{"username":"` + strings.Repeat("a", 64<<10) + `","password":"x","new_password":"y"}`

	type errorCase struct {
		name    string
		method  string
		header  map[string]string
		body    string
		status  int
		code    string
		message string // when set, the exact message
	}
	tests := []errorCase{
		// Row 1.
		{name: "no Date", header: map[string]string{"Date": ""}, body: good, status: 400, code: "missing_headers", message: "some headers are missing: Date"},
		{name: "no Authorization", header: map[string]string{"Authorization": ""}, body: good, status: 400, code: "missing_headers", message: "some headers are missing: Authorization"},
		{name: "no headers", header: map[string]string{"Date": "", "Authorization": ""}, body: good, status: 400, code: "missing_headers"},
		// Row 2.
		{name: "garbage Authorization", header: map[string]string{"Authorization": "garbage"}, body: good, status: 400, code: "authorization_invalid_headers"},
		// OAuth Bearer, which the contract admits (license-api.md §2.2): a
		// token licensor did not issue is 401 (§6.2).
		{name: "Bearer token", header: map[string]string{"Authorization": "Bearer abc"}, body: good, status: 401, code: "oauth_token_malformed"},
		// Row 3.
		{name: "apikey only", header: map[string]string{"Authorization": `apikey="` + f.APIKey + `"`}, body: good, status: 400, code: "authorization_missing_params"},
		{name: "no signature", header: map[string]string{"Authorization": `algorithm="hmac-sha256",headers="date",apikey="` + f.APIKey + `"`}, body: good, status: 400, code: "authorization_missing_params"},
		// Row 4.
		{name: "hmac-sha1", header: map[string]string{"Authorization": `algorithm="hmac-sha1",headers="date",signature="x",apikey="` + f.APIKey + `"`}, body: good, status: 400, code: "hmac_required"},
		// Row 5.
		{name: "unknown API key", header: signed("00000000-0000-4000-8000-000000000000", f.SharedKey, date(0)), body: good, status: 400, code: "invalid_api_key"},
		{name: "revoked API key", header: signed(revoked.APIKey, revoked.SharedKey, date(0)), body: good, status: 400, code: "invalid_api_key"},
		// Row 6.
		{name: "unparseable Date", header: signed(f.APIKey, f.SharedKey, "last tuesday"), body: good, status: 400, code: "date_header_diff"},
		{name: "Date 16 minutes old", header: signed(f.APIKey, f.SharedKey, date(-16*time.Minute)), body: good, status: 400, code: "date_header_diff"},
		{name: "Date 16 minutes ahead", header: signed(f.APIKey, f.SharedKey, date(16*time.Minute)), body: good, status: 400, code: "date_header_diff"},
		// Row 7.
		{name: "wrong shared key", header: signed(f.APIKey, "not the shared key", date(0)), body: good, status: 401, code: "signature_mismatch"},
		{name: "bad signature before big body", header: signed(f.APIKey, "nope", date(0)), body: tooBig, status: 401, code: "signature_mismatch"},
		// Row 8.
		{name: "body over 64 KiB", body: tooBig, status: 413, code: "request_too_large"},
		// Row 9.
		{name: "invalid JSON", body: `{"username": "ann@example.com",`, status: 400, code: "invalid_json"},
		{name: "two JSON values", body: `{} {}`, status: 400, code: "invalid_json"},
		// Row 10.
		{name: "array body", body: `["ann@example.com"]`, status: 400, code: "validation_error"},
		{name: "string body", body: `"hello"`, status: 400, code: "validation_error"},
		{name: "null body", body: `null`, status: 400, code: "validation_error"},
		{name: "number property", body: `{"username":1,"password":"x","new_password":"y"}`, status: 400, code: "validation_error", message: "property username must be a string"},
		{name: "null property", body: `{"username":"a@b.c","password":null,"new_password":"y"}`, status: 400, code: "validation_error", message: "property password must be a string"},
		{name: "unknown property", body: `{"username":"a@b.c","password":"x","new_password":"y","hardware_id":"h"}`, status: 400, code: "validation_error"},
		// Row 10 before row 11.
		{name: "unknown property and missing ones", body: `{"extra":"x"}`, status: 400, code: "validation_error"},
		// Row 11.
		{name: "empty body", body: "", status: 400, code: "missing_parameters", message: "some parameters are missing in the request: username, password, new_password"},
		{name: "empty object", body: `{}`, status: 400, code: "missing_parameters", message: "some parameters are missing in the request: username, password, new_password"},
		{name: "two missing", body: `{"username":"ann@example.com"}`, status: 400, code: "missing_parameters", message: "some parameters are missing in the request: password, new_password"},
		{name: "empty string counts as missing", body: `{"username":"ann@example.com","password":"","new_password":"abcdefghij"}`, status: 400, code: "missing_parameters", message: "some parameters are missing in the request: password"},
		// Row 14: one body for all three.
		{name: "unknown user", body: body("nobody@example.com", "whatever1", "whatever2"), status: 400, code: "user_not_found"},
		{name: "inactive user", body: body(inactiveEmail, inactivePW, "a new password"), status: 400, code: "user_not_found"},
		{name: "wrong password", body: body(f.email, "not the password", "a new password"), status: 400, code: "user_not_found"},
		// Row 14 before rows 15 and 16.
		{name: "wrong password and bad new one", body: body(f.email, "not the password", "short"), status: 400, code: "user_not_found"},
		{name: "wrong password on disabled license", body: body(disabled.Email, "not the password", "a new password"), status: 400, code: "user_not_found"},
		// Row 15 before row 16.
		{name: "every license disabled", body: body(disabled.Email, disabled.InitialPassword, "short"), status: 400, code: "license_not_enabled"},
		// Row 16.
		{name: "new password too short", body: body(f.email, f.password, "1234567"), status: 400, code: "validation_error", message: "new_password must be at least 8 characters long"},
		{name: "new password too long", body: body(f.email, f.password, strings.Repeat("x", 257)), status: 400, code: "validation_error", message: "new_password must be at most 256 characters long"},
		{name: "new password same as current", body: body(f.email, f.password, f.password), status: 400, code: "validation_error", message: "new_password must differ from the current password"},
		{name: "new password white space", body: body(f.email, f.password, " \t        \n "), status: 400, code: "validation_error", message: "new_password must not be only white space"},
		// Wrong method.
		{name: "GET", method: "GET", body: "", status: 405, code: "method_not_allowed"},
		{name: "PUT", method: "PUT", body: good, status: 405, code: "method_not_allowed"},
		// Length counts characters, not bytes: 7 two-byte characters are too few.
		{name: "7 runes of 2 bytes", body: body(f.email, f.password, "ééééééé"), status: 400, code: "validation_error"},
	}

	users := []int64{f.userID, inactiveID, disabled.ID}
	before := map[int64]*store.LicenseUser{}
	for _, id := range users {
		before[id] = f.user(t, id)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "POST"
			}
			r := f.Do(testkit.Request{Method: method, Path: path, Body: tt.body, Header: tt.header})
			m := wantError(t, r, tt.status, tt.code)
			if tt.message != "" && m["message"] != tt.message {
				t.Errorf("message = %q, want %q", m["message"], tt.message)
			}
			if tt.status == 405 && r.Header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q, want POST", r.Header.Get("Allow"))
			}
			if r.Header.Get("LicenseSignature") != "" {
				t.Errorf("an error response carries a LicenseSignature")
			}
			for _, id := range users {
				f.unchanged(t, before[id])
			}
		})
	}

	// One body for an unknown user, an inactive user and a wrong password.
	var bodies []string
	for _, b := range []string{body("nobody@example.com", "x1234567", "y1234567"), body(inactiveEmail, inactivePW, "y1234567"), body(f.email, "x1234567", "y1234567")} {
		bodies = append(bodies, string(f.Do(testkit.Request{Method: "POST", Path: path, Body: b}).Body))
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Fatalf("user_not_found bodies differ, usernames can be probed:\n%s", strings.Join(bodies, "\n"))
	}

	// And after all of that, the fixture user's password still works.
	wantChanged(t, f.Do(testkit.Request{Method: "POST", Path: path, Body: good}))
}

func TestChangePasswordNotAllowed(t *testing.T) {
	f := newFixture(t)
	before := f.user(t, f.userID)
	if err := f.App.Service.SetCompanySetting(context.Background(), f.CompanyID, "allow_change_password", "false"); err != nil {
		t.Fatal(err)
	}
	// Row 12 comes before the password check.
	for _, b := range []string{body(f.email, f.password, "a new password"), body(f.email, "wrong password", "a new password")} {
		wantError(t, f.Do(testkit.Request{Method: "POST", Path: path, Body: b}), 400, "change_password_not_allowed")
	}
	f.unchanged(t, before)
}

func TestChangePasswordIsOffByDefault(t *testing.T) {
	s := testkit.Start(t)
	wantError(t, s.Do(testkit.Request{Method: "POST", Path: path, Body: body("a@b.c", "x1234567", "y1234567")}), 400, "change_password_not_allowed")
}

func TestChangePasswordThrottlesPerUser(t *testing.T) {
	f := newFixture(t, func(c *app.Config) {
		c.Throttle = licensing.ThrottleConfig{PerUser: 3, PerIP: 100, Window: 10 * time.Minute}
	})
	before := f.user(t, f.userID)
	for range 3 {
		wantError(t, f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, "wrong password", "a new password")}), 400, "user_not_found")
	}
	// Now even the right password is refused, without being checked.
	r := f.Do(testkit.Request{Method: "POST", Path: path, Body: body(strings.ToUpper(f.email), f.password, "a new password")})
	wantError(t, r, 429, "too_many_requests")
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 600 {
		t.Fatalf("Retry-After = %q, want 1..600 seconds", r.Header.Get("Retry-After"))
	}
	f.unchanged(t, before)
	// Another user is not affected.
	_, email2, pw2 := f.addUser(t, "bob@example.com")
	wantChanged(t, f.Do(testkit.Request{Method: "POST", Path: path, Body: body(email2, pw2, "a new password")}))
}

func TestChangePasswordThrottlesPerIP(t *testing.T) {
	f := newFixture(t, func(c *app.Config) {
		c.Throttle = licensing.ThrottleConfig{PerUser: 100, PerIP: 4, Window: 10 * time.Minute}
	})
	for i := range 4 {
		wantError(t, f.Do(testkit.Request{Method: "POST", Path: path, Body: body(fmt.Sprintf("u%d@example.com", i), "wrong password", "a new password")}), 400, "user_not_found")
	}
	r := f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, f.password, "a new password")})
	wantError(t, r, 429, "too_many_requests")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

// Of N concurrent requests presenting the right password, exactly one wins.
func TestChangePasswordConcurrentChangesHaveOneWinner(t *testing.T) {
	f := newFixture(t, func(c *app.Config) {
		c.Throttle = licensing.ThrottleConfig{PerUser: 1000, PerIP: 1000, Window: time.Minute}
	})
	const n = 20
	results := race(n, func(i int) testkit.Response {
		return f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, f.password, fmt.Sprintf("new password %02d", i))})
	})
	winner := -1
	for i, r := range results {
		switch {
		case r.Status == 200:
			if winner >= 0 {
				t.Fatalf("requests %d and %d both changed the password", winner, i)
			}
			winner = i
		default:
			wantError(t, r, 400, "user_not_found")
		}
	}
	if winner < 0 {
		t.Fatal("no request changed the password")
	}
	// The winner's password is the one that works now.
	wantChanged(t, f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, fmt.Sprintf("new password %02d", winner), "final password")}))
	events, _ := f.App.Store.Reader().AuditEvents(context.Background(), f.CompanyID, "license_user.password_changed")
	if len(events) != 2 {
		t.Fatalf("audit events = %d, want 2 (the winner and the final change)", len(events))
	}
}

// When every hashing worker is busy and no request may wait, the server
// answers 503 server_busy at once instead of piling up memory.
func TestChangePasswordServerBusy(t *testing.T) {
	f := newFixture(t, func(c *app.Config) {
		c.HashPool = password.PoolConfig{Workers: 1, Queue: 0, MaxWait: time.Minute}
	})
	before := f.user(t, f.userID)
	hold, held := make(chan struct{}), make(chan struct{})
	go f.App.Hasher.Do(context.Background(), func(password.Slot) error { close(held); <-hold; return nil })
	<-held
	r := f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, f.password, "a new password")})
	close(hold)
	wantError(t, r, 503, "server_busy")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	f.unchanged(t, before)
	wantChanged(t, f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, f.password, "a new password")}))
}

// Under a burst of requests, no more hashes run at once than there are
// workers.
func TestChangePasswordHashingIsBounded(t *testing.T) {
	f := newFixture(t, func(c *app.Config) {
		c.HashPool = password.PoolConfig{Workers: 2, Queue: 100, MaxWait: time.Minute}
		c.Throttle = licensing.ThrottleConfig{PerUser: 1000, PerIP: 1000, Window: time.Minute}
	})
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := f.Do(testkit.Request{Method: "POST", Path: path, Body: body(fmt.Sprintf("nobody%d@example.com", i), "wrong password", "a new password")})
			if r.Status != 400 {
				t.Errorf("status %d: %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	if m := f.App.Hasher.MaxConcurrent(); m < 1 || m > 2 {
		t.Fatalf("at most %d hashes ran at once, want 1..2", m)
	}
}

// No password, old or new, reaches the log.
func TestChangePasswordNeverLogsPasswords(t *testing.T) {
	f := newFixture(t)
	newPW := "Secret-New-Password-42"
	f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, "Secret-Wrong-Password-1", newPW)})
	f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, f.password, "tiny")})
	wantChanged(t, f.Do(testkit.Request{Method: "POST", Path: path, Body: body(f.email, f.password, newPW)}))
	logs := f.Logs.String()
	if !strings.Contains(logs, "/api/v4/change_password") {
		t.Fatalf("requests were not logged at all:\n%s", logs)
	}
	for _, secret := range []string{f.password, newPW, "Secret-Wrong-Password-1", "tiny", f.SharedKey} {
		if strings.Contains(logs, secret) {
			t.Fatalf("the log contains a secret %q:\n%s", secret, logs)
		}
	}
}
