package licenseapi_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/testkit"
)

// passwordCall sends one request that checks username+password on an
// endpoint that takes a password.
type passwordCall func(f *fixture, username, pw string, i int) testkit.Response

var passwordEndpoints = map[string]passwordCall{
	"change_password": func(f *fixture, username, pw string, i int) testkit.Response {
		return f.Do(testkit.Request{Method: "POST", Path: path, Body: body(username, pw, fmt.Sprintf("new password %03d", i))})
	},
	"activate_license": func(f *fixture, username, pw string, i int) testkit.Response {
		return f.Do(testkit.Request{Method: "POST", Path: "/api/v4/activate_license",
			Body: fmt.Sprintf(`{"product":"APP","hardware_id":"hw-%d","username":%q,"password":%q}`, i, username, pw)})
	},
	"user_licenses": func(f *fixture, username, pw string, _ int) testkit.Response {
		q := url.Values{"product": {"APP"}, "username": {username}, "password": {pw}}
		return f.Do(testkit.Request{Method: "GET", Path: "/api/v4/user_licenses?" + q.Encode()})
	},
}

// A burst of parallel guesses gets at most the limit of wrong ones checked,
// per (company, username): the rest are refused before any hash runs. The
// right password hidden in the burst is only accepted if it was among the
// checked ones, and then gives its reservation back (it was no failure).
func TestParallelGuessesAreCheckedAtMostTheLimit(t *testing.T) {
	for name, call := range passwordEndpoints {
		t.Run(name, func(t *testing.T) {
			const limit, n, rightAt = 5, 40, 23
			f := newFixture(t, func(c *app.Config) {
				c.Throttle = licensing.ThrottleConfig{PerUser: limit, PerIP: 1000, Window: 10 * time.Minute}
				c.HashPool.Workers = 1 // guesses queue for the hasher, as under attack
			})
			_, err := f.App.Service.SetLicense(t.Context(), f.CompanyID, f.licenseID, []string{"max_activations=100"})
			must(t, err)
			runs := f.App.Hasher.Runs()
			results := race(n, func(i int) testkit.Response {
				pw := fmt.Sprintf("wrong guess %02d", i)
				if i == rightAt {
					pw = f.password
				}
				return call(f, f.email, pw, i)
			})
			wrong, right, refused := 0, 0, 0
			for i, r := range results {
				switch r.Status {
				case 200:
					if i != rightAt {
						t.Fatalf("guess %d succeeded", i)
					}
					right++
				case 429:
					wantError(t, r, 429, "too_many_requests")
					refused++
				default:
					wantError(t, r, 400, "user_not_found")
					wrong++
				}
			}
			if wrong > limit || wrong+right+refused != n {
				t.Fatalf("%d wrong guesses were checked (and %d right, %d refused), want at most %d", wrong, right, refused, limit)
			}
			// Refused guesses cost no hash.
			if hashed := f.App.Hasher.Runs() - runs; hashed != int64(wrong+right) {
				t.Fatalf("%d requests hashed for %d checked guesses", hashed, wrong+right)
			}
		})
	}
}

// The same holds per client IP across many usernames.
func TestParallelGuessesPerIPAreCheckedAtMostTheLimit(t *testing.T) {
	for name, call := range passwordEndpoints {
		t.Run(name, func(t *testing.T) {
			const limit, n = 4, 30
			f := newFixture(t, func(c *app.Config) {
				c.Throttle = licensing.ThrottleConfig{PerUser: 1000, PerIP: limit, Window: 10 * time.Minute}
			})
			results := race(n, func(i int) testkit.Response {
				return call(f, fmt.Sprintf("user%02d@example.com", i), "wrong password", i)
			})
			checked := 0
			for _, r := range results {
				if r.Status == 429 {
					wantError(t, r, 429, "too_many_requests")
					continue
				}
				wantError(t, r, 400, "user_not_found")
				checked++
			}
			if checked > limit {
				t.Fatalf("%d guesses from one address were checked, want at most %d", checked, limit)
			}
		})
	}
}

// Right passwords give their reservation back: a user who signs in many
// times in a row is never throttled. A right password does not wipe the
// window's failures either: at most the limit of wrong guesses is checked
// in a window, whatever else arrives.
func TestRightPasswordsAreNotCounted(t *testing.T) {
	f := newFixture(t, func(c *app.Config) {
		c.Throttle = licensing.ThrottleConfig{PerUser: 2, PerIP: 2, Window: 10 * time.Minute}
	})
	call := passwordEndpoints["user_licenses"]
	for i := range 6 {
		if r := call(f, f.email, f.password, i); r.Status != 200 {
			t.Fatalf("sign-in %d: %d %s", i, r.Status, r.Body)
		}
	}
	wantError(t, call(f, f.email, "wrong password", 0), 400, "user_not_found")
	if r := call(f, f.email, f.password, 0); r.Status != 200 {
		t.Fatalf("after one failure: %d %s", r.Status, r.Body)
	}
	wantError(t, call(f, f.email, "wrong password", 0), 400, "user_not_found")
	wantError(t, call(f, f.email, "wrong password", 0), 429, "too_many_requests")
	// Now the window is full: even the right password waits for it.
	wantError(t, call(f, f.email, f.password, 0), 429, "too_many_requests")
}
