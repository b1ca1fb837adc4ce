package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// multiFlags leave the password throttle low enough to reach and the
// per-address rate limit off: every request comes from 127.0.0.1.
var multiFlags = []string{"--rate-limits=false", "--throttle-user", "6", "--throttle-ip", "1000"}

// Two `licensor serve` processes on one database behave as one server:
// limits, the password throttle and one-winner password changes hold across
// them, a revocation or a deactivation on one is seen by the other within a
// second, both sign with the one public key, and when one is killed with
// SIGKILL under write load the other keeps serving and every write either
// acknowledged is in the database. On PostgreSQL this is the documented
// high-availability deployment; on SQLite, two processes on one file.
func TestTwoInstancesBehaveAsOne(t *testing.T) {
	in := newInstance(t)
	in.init()
	in.cliJSON(&struct{}{}, "company", "set", "allow_change_password=true", "--json")
	in.cliJSON(&struct{}{}, "product", "create", "--code", "APP", "--name", "App", "--json")
	in.cliJSON(&struct{}{}, "license", "create", "--product", "APP", "--key", "FIVE-SEATS", "--max-activations", "5", "--json")
	in.cliJSON(&struct{}{}, "license", "create", "--product", "APP", "--key", "MANY-SEATS", "--max-activations", "100000", "--json")
	in.cliJSON(&struct{}{}, "license", "create", "--product", "APP", "--key", "TWO-FLOATING", "--max-activations", "100",
		"is_floating_cloud=true", "floating_users=2", "floating_timeout=30", "--json")
	in.cliJSON(&struct{}{}, "product", "create", "--code", "SEAT", "--name", "Seat", "--auth", "user", "--json")
	var ul struct{ ID int64 }
	in.cliJSON(&ul, "license", "create", "--product", "SEAT", "--max-activations", "10", "--json")
	for _, email := range []string{"race@example.com", "throttled@example.com"} {
		in.cliJSON(&struct{}{}, "user", "create", "--license", strconv.FormatInt(ul.ID, 10), "--email", email, "--password", "the old password", "--json")
	}
	a := startServer(t, in, multiFlags...)
	b := startServer(t, in, multiFlags...)
	servers := []*crashServer{a, b}
	call := func(i int, method, path string, p map[string]any) (result, error) {
		r, invalid, err := send(http.DefaultClient, in.apiKey, in.sharedKey, in.publicKey, servers[i%2].url, method, path, p)
		if invalid != nil {
			return r, invalid // a 200 that does not verify with the one public key
		}
		return r, err
	}
	race := func(n int, req func(i int) (result, error)) (ok int, codes map[string]int) {
		var mu sync.Mutex
		codes = map[string]int{}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := req(i)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					t.Errorf("request %d: %v", i, err)
				case r.Status == 200:
					ok++
				default:
					codes[fmt.Sprintf("%d %s", r.Status, r.Error.Code)]++
				}
			}()
		}
		close(start)
		wg.Wait()
		return ok, codes
	}

	t.Run("activations", func(t *testing.T) {
		ok, codes := race(40, func(i int) (result, error) {
			return call(i, http.MethodPost, "activate_license", map[string]any{"product": "APP", "license_key": "FIVE-SEATS", "hardware_id": fmt.Sprintf("hw-%d", i)})
		})
		if ok != 5 || codes["400 license_activated_max_times"] != 35 {
			t.Fatalf("40 activations over two instances for max_activations=5: %d succeeded, others %v", ok, codes)
		}
		var lic map[string]any
		wantOK(t, in.apiAs(in.apiKey, in.sharedKey, b.url, http.MethodPost, "activate_license",
			map[string]any{"product": "APP", "license_key": "MANY-SEATS", "hardware_id": "probe"}), nil)
		r, _ := call(0, http.MethodGet, "check_license", map[string]any{"product": "APP", "license_key": "FIVE-SEATS", "hardware_id": "hw-0"})
		if r.Status == 200 {
			wantOK(t, r, &lic)
			if lic["times_activated"] != float64(5) {
				t.Fatalf("times_activated = %v, want 5", lic["times_activated"])
			}
		}
	})

	t.Run("floating seats", func(t *testing.T) {
		ok, codes := race(40, func(i int) (result, error) {
			return call(i, http.MethodPost, "activate_license", map[string]any{"product": "APP", "license_key": "TWO-FLOATING", "hardware_id": fmt.Sprintf("float-%d", i)})
		})
		if ok != 2 || codes["400 no_available_floating_slots"] != 38 {
			t.Fatalf("40 activations over two instances for 2 floating seats: %d succeeded, others %v", ok, codes)
		}
	})

	t.Run("one password change wins", func(t *testing.T) {
		ok, codes := race(16, func(i int) (result, error) {
			return call(i, http.MethodPost, "change_password", changePassword("race@example.com", "the old password", fmt.Sprintf("new password %d", i)))
		})
		if ok != 1 {
			t.Fatalf("16 password changes with the right password over two instances: %d won, others %v", ok, codes)
		}
		// A loser's old password is wrong by the time it is checked, and
		// wrong passwords count against the per-user throttle.
		for code := range codes {
			if code != "400 user_not_found" && code != "429 too_many_requests" {
				t.Fatalf("a losing change answered %s", code)
			}
		}
		for i := range 2 {
			r, err := call(i, http.MethodGet, "user_licenses", map[string]any{"product": "SEAT", "username": "race@example.com", "password": "the old password"})
			if err != nil || r.Status == 200 {
				t.Fatalf("the old password still works on instance %d: %d %s %v", i, r.Status, r.Error.Code, err)
			}
		}
	})

	t.Run("throttle is shared", func(t *testing.T) {
		for i := range 6 {
			r, err := call(i, http.MethodGet, "user_licenses", map[string]any{"product": "SEAT", "username": "throttled@example.com", "password": fmt.Sprintf("wrong %d", i)})
			if err != nil || r.Status != 400 || r.Error.Code != "user_not_found" {
				t.Fatalf("wrong password %d: %d %s %v", i, r.Status, r.Error.Code, err)
			}
		}
		// Three on each instance reached the per-user limit of six: both
		// refuse even the right password now.
		for i := range 2 {
			r, err := call(i, http.MethodGet, "user_licenses", map[string]any{"product": "SEAT", "username": "throttled@example.com", "password": "the old password"})
			if err != nil || r.Status != 429 || r.Error.Code != "too_many_requests" {
				t.Fatalf("instance %d after six failures spread over both: %d %s %v", i, r.Status, r.Error.Code, err)
			}
		}
	})

	t.Run("revocation and deactivation reach the other instance", func(t *testing.T) {
		var cred struct {
			APIKey    string `json:"api_key"`
			SharedKey string `json:"shared_key"`
		}
		in.cliJSON(&cred, "credential", "create", "--json")
		check := map[string]any{"product": "APP", "license_key": "MANY-SEATS", "hardware_id": "probe"}
		for _, s := range servers { // warm both caches
			wantOK(t, in.apiAs(cred.APIKey, cred.SharedKey, s.url, http.MethodGet, "check_license", check), nil)
		}
		in.cliJSON(&struct{}{}, "credential", "revoke", cred.APIKey, "--json")
		revoked := time.Now()
		for i, s := range servers {
			for {
				r := in.apiAs(cred.APIKey, cred.SharedKey, s.url, http.MethodGet, "check_license", check)
				if r.Status == 400 && r.Error.Code == "invalid_api_key" {
					break
				}
				if time.Since(revoked) > 2*time.Second {
					t.Fatalf("instance %d still accepts a key revoked %v ago: %d", i, time.Since(revoked), r.Status)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		t.Logf("revocation seen by both instances after %v", time.Since(revoked).Round(time.Millisecond))

		// A deactivation through A is seen by a check on B within a second.
		wantOK(t, in.apiAs(in.apiKey, in.sharedKey, b.url, http.MethodGet, "check_license", check), nil)
		wantOK(t, in.apiAs(in.apiKey, in.sharedKey, a.url, http.MethodPost, "deactivate_license", check), nil)
		done := time.Now()
		for {
			r := in.apiAs(in.apiKey, in.sharedKey, b.url, http.MethodGet, "check_license", check)
			if r.Status == 400 && r.Error.Code == "license_not_active" {
				break
			}
			if time.Since(done) > time.Second {
				t.Fatalf("instance B still answers a license deactivated on A %v ago: %d %s", time.Since(done), r.Status, r.Body)
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("deactivation on A seen by B after %v", time.Since(done).Round(time.Millisecond))
	})

	t.Run("one instance killed under write load", func(t *testing.T) {
		var mu sync.Mutex
		var acked []string
		var bFailed atomic.Int64
		var killed atomic.Bool
		var afterKill atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				target := servers[w%2]
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					hw := fmt.Sprintf("load-%d-%d", w, i)
					r, invalid, err := send(http.DefaultClient, in.apiKey, in.sharedKey, in.publicKey, target.url, http.MethodPost, "activate_license",
						map[string]any{"product": "APP", "license_key": "MANY-SEATS", "hardware_id": hw})
					if err == nil && invalid == nil && r.Status == 200 {
						mu.Lock()
						acked = append(acked, hw)
						mu.Unlock()
						if target == b && killed.Load() {
							afterKill.Add(1)
						}
					} else if target == b {
						bFailed.Add(1)
					}
				}
			}()
		}
		waitFor := func(n int) {
			for {
				mu.Lock()
				got := len(acked)
				mu.Unlock()
				if got >= n {
					return
				}
				time.Sleep(5 * time.Millisecond) // polling for the writers, not timing them
			}
		}
		waitFor(100)
		a.kill(t)
		killed.Store(true)
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		waitFor(n + 100)
		close(stop)
		wg.Wait()
		if bFailed.Load() != 0 || afterKill.Load() == 0 {
			t.Fatalf("the surviving instance failed %d requests and acknowledged %d after the kill", bFailed.Load(), afterKill.Load())
		}
		for _, hw := range acked {
			var lic map[string]any
			wantOK(t, in.apiAs(in.apiKey, in.sharedKey, b.url, http.MethodGet, "check_license",
				map[string]any{"product": "APP", "license_key": "MANY-SEATS", "hardware_id": hw}), &lic)
		}
		t.Logf("%d activations acknowledged by both instances, %d by the survivor after the kill; all present", len(acked), afterKill.Load())
	})
}
