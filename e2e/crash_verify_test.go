package e2e

// This file holds the crash test's record of acknowledged writes and its
// verification after a restart: through the License API, and with SQLite's
// PRAGMA integrity_check on the database file.

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/licensor/licensor/internal/pgtest"
)

// crashState is every acknowledged write so far.
type crashState struct {
	active   map[crashDevice]bool // activated, not deactivated since
	inactive map[crashDevice]bool // deactivated
	trials   map[string]string    // hardware id → trial license key
}

// merge adds a worker's acknowledged writes of the round.
func (st *crashState) merge(w *crashWorker) {
	for _, d := range w.activated {
		st.active[d] = true
	}
	for _, d := range w.deactivated {
		delete(st.active, d)
		st.inactive[d] = true
	}
	for _, d := range w.unsure {
		delete(st.active, d)
	}
	for hw, key := range w.trials {
		st.trials[hw] = key
	}
}

// verify asks the restarted server for every acknowledged write. It
// settles each unanswered password change and reports how many had landed.
func (st *crashState) verify(t *testing.T, api crashAPI, users []*crashUser) int {
	t.Helper()
	fails := &crashFailures{}
	jobs := make(chan func())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for job := range jobs {
				job()
			}
		})
	}
	// call is api.call where no answer, or one that breaks the protocol,
	// is a failure.
	call := func(what, method, path string, params map[string]any) (crashAnswer, bool) {
		a, err := api.call(method, path, params)
		if err != nil {
			fails.add("%s: %v", what, err)
			return a, false
		}
		if a.invalid != nil {
			fails.add("%s: %v", what, a.invalid)
			return a, false
		}
		return a, true
	}
	check := func(what string, d crashDevice) (crashAnswer, bool) {
		return call(what, http.MethodGet, "check_license", map[string]any{"product": crashProduct, "license_key": d.key, "hardware_id": d.hw})
	}
	for d := range st.active {
		jobs <- func() {
			what := fmt.Sprintf("check_license of acknowledged activation %v", d)
			a, ok := check(what, d)
			if !ok {
				return
			}
			var lic struct {
				Key    string `json:"license_key"`
				Active bool   `json:"license_active"`
			}
			if a.Status != http.StatusOK || json.Unmarshal(a.Body, &lic) != nil || lic.Key != d.key || !lic.Active {
				fails.add("%s: %d %s", what, a.Status, a.Body)
			}
		}
	}
	for d := range st.inactive {
		jobs <- func() {
			what := fmt.Sprintf("check_license of acknowledged deactivation %v", d)
			a, ok := check(what, d)
			if ok && (a.Status != http.StatusBadRequest || (a.Error.Code != "device_not_found" && a.Error.Code != "license_not_active")) {
				fails.add("%s: %d %s, want 400 device_not_found or license_not_active", what, a.Status, a.Body)
			}
		}
	}
	for hw, key := range st.trials {
		jobs <- func() {
			what := fmt.Sprintf("trial_key again for acknowledged trial %s", hw)
			a, ok := call(what, http.MethodGet, "trial_key", map[string]any{"product": crashProduct, "hardware_id": hw})
			if !ok {
				return
			}
			var got struct {
				License string `json:"license"`
				IsTrial bool   `json:"is_trial"`
			}
			if a.Status != http.StatusOK || json.Unmarshal(a.Body, &got) != nil || got.License != key || !got.IsTrial {
				fails.add("%s: %d %s, want the existing trial %s", what, a.Status, a.Body, key)
			}
		}
	}
	// The latest acknowledged password works; a change without an answer
	// left either the old or the new one.
	var landed atomic.Int32
	for _, u := range users {
		jobs <- func() {
			works := func(pw string) bool {
				a, ok := call("user_licenses of "+u.email, http.MethodGet, "user_licenses",
					map[string]any{"product": crashSeats, "username": u.email, "password": pw})
				if !ok {
					return false
				}
				var list []json.RawMessage
				if a.Status == http.StatusOK && json.Unmarshal(a.Body, &list) == nil && len(list) == 1 {
					return true
				}
				if a.Status != http.StatusBadRequest || a.Error.Code != "user_not_found" {
					fails.add("user_licenses of %s: %d %s", u.email, a.Status, a.Body)
				}
				return false
			}
			switch {
			case u.pending == "":
				if !works(u.current) {
					fails.add("%s: the last acknowledged password does not work", u.email)
				}
			case works(u.pending):
				u.current, u.pending = u.pending, ""
				landed.Add(1)
			case works(u.current):
				u.pending = ""
			default:
				fails.add("%s: neither the password before the unanswered change nor the one after it works", u.email)
			}
		}
	}
	close(jobs)
	wg.Wait()
	fails.check(t, "after the restart")
	return int(landed.Load())
}

// crashIntegrity checks the database: SQLite's PRAGMA integrity_check on
// the file opened read-only, or on PostgreSQL amcheck over every index.
func crashIntegrity(t *testing.T, in *instance) {
	t.Helper()
	if in.dbURL != "" {
		db := pgtest.Open(t, in.dbURL)
		if _, err := db.Exec(`CREATE EXTENSION IF NOT EXISTS amcheck`); err != nil {
			t.Fatalf("amcheck: %v", err)
		}
		var n int
		err := db.QueryRow(`SELECT count(bt_index_check(c.oid, true)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			WHERE c.relnamespace = current_schema()::regnamespace AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')`).Scan(&n)
		if err != nil || n == 0 {
			t.Fatalf("amcheck over %d indexes: %v", n, err)
		}
		return
	}
	path := filepath.Join(in.data, "licensor.db")
	_, err := os.Stat(path)
	must(t, err)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	must(t, err)
	defer db.Close()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		must(t, rows.Scan(&s))
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	if len(got) != 1 || got[0] != "ok" {
		t.Fatalf("PRAGMA integrity_check = %q", got)
	}
}

// crashFailures collects failures from many goroutines.
type crashFailures struct {
	mu   sync.Mutex
	msgs []string
}

func (f *crashFailures) add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

// check fails the test with the first 20 failures, if any.
func (f *crashFailures) check(t *testing.T, phase string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.msgs) == 0 {
		return
	}
	shown := f.msgs
	if len(shown) > 20 {
		shown = shown[:20]
	}
	t.Fatalf("%s: %d failures:\n%s", phase, len(f.msgs), strings.Join(shown, "\n"))
}
