package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/testkit"
)

// A crash must not lose what the server acknowledged: licensor serve is
// killed with SIGKILL under a mixed write load (activations, deactivations,
// trials, password changes), restarted on the same data directory, and every
// write answered 2xx before the kill must be there, as the License API shows
// it, in a database whose PRAGMA integrity_check is "ok". Three rounds, the
// acknowledged set carried forward. Requests that got no answer may or may
// not have landed; nothing is asserted about them, except that a user whose
// password change was in flight has either the old or the new password.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	const (
		rounds   = 3
		workers  = 8
		nUsers   = 3
		nKeys    = 4
		keyProd  = "CRASHKEY"
		userProd = "CRASHUSER"
		// A client address gets 20 new trials of a product an hour; more
		// trial products give the load room for more trials.
		nTrialProds = 8
	)
	began := time.Now()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))

	in := &instance{t: t, data: filepath.Join(t.TempDir(), "data"), logs: &testkit.SyncBuffer{}}
	in.init()

	// Provisioning, with the CLI as a vendor would.
	in.cliJSON(&struct{}{}, "company", "set", "allow_change_password=true", "--json")
	in.cliJSON(&struct{}{}, "product", "create", "--code", keyProd, "--name", "Crash Desktop", "allow_trial=true", "trial_days=14", "--json")
	trialProds := []string{keyProd}
	for i := 1; i < nTrialProds; i++ {
		code := fmt.Sprintf("CRASHTRIAL%d", i)
		in.cliJSON(&struct{}{}, "product", "create", "--code", code, "--name", "Crash Trial "+strconv.Itoa(i), "allow_trial=true", "trial_days=14", "--json")
		trialProds = append(trialProds, code)
	}
	var keys []string
	for range nKeys {
		var lic struct {
			Key string `json:"license_key"`
		}
		in.cliJSON(&lic, "license", "create", "--product", keyProd, "--max-activations", "100000", "--json")
		if lic.Key == "" {
			t.Fatal("license create printed no license_key")
		}
		keys = append(keys, lic.Key)
	}
	in.cliJSON(&struct{}{}, "product", "create", "--code", userProd, "--name", "Crash Cloud", "--auth", "user", "--json")
	var ul struct{ ID int64 }
	in.cliJSON(&ul, "license", "create", "--product", userProd, "--max-activations", "1000", "--json")
	var users []*crashUser
	for i := range nUsers {
		u := &crashUser{email: fmt.Sprintf("crash-user-%d@example.com", i), current: fmt.Sprintf("initial password %d", i)}
		var made struct {
			Email string `json:"email"`
		}
		in.cliJSON(&made, "user", "create", "--license", strconv.FormatInt(ul.ID, 10), "--email", u.email, "--password", u.current, "--json")
		if !strings.EqualFold(made.Email, u.email) {
			t.Fatalf("user create printed email %q, want %q", made.Email, u.email)
		}
		users = append(users, u)
	}

	// The per-address request limit would throttle the load, and the
	// password throttle the settling of changes whose answer a kill lost:
	// a kill also leaves the reservations of checks in flight counted as
	// failures, as it should. Neither is what this test is about.
	extra := []string{"--rate-limits=false", "--throttle-user", "1000", "--throttle-ip", "1000"}
	t.Logf("serve flags %v; provisioned in %v", extra, time.Since(began).Round(time.Millisecond))

	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * workers}}
	defer client.CloseIdleConnections()

	st := &crashState{active: map[crashDevice]bool{}, inactive: map[crashDevice]bool{}, trials: map[crashTrial]string{}}
	ws := make([]*crashWorker, workers)
	for i := range ws {
		ws[i] = &crashWorker{id: i, keys: keys, product: keyProd, trialProds: append([]string(nil), trialProds...),
			rng: rand.New(rand.NewPCG(seed, uint64(i)+1))}
		if i < nUsers {
			ws[i].user = users[i]
		}
	}

	srv := startCrashServer(t, in, extra)
	for round := 1; round <= rounds; round++ {
		// Load, then SIGKILL while requests are in flight.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		fails := &crashFailures{}
		for _, w := range ws {
			w.beginRound(round)
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.run(client, in, srv.url, stop, fails)
			}()
		}
		load := 500*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond)))
		time.Sleep(load)
		srv.kill(t)
		close(stop)
		wg.Wait()
		client.CloseIdleConnections()
		fails.check(t, fmt.Sprintf("round %d load", round))

		var sum crashCounts
		for _, w := range ws {
			st.merge(w)
			sum.add(w.counts)
		}
		t.Logf("round %d: killed after %v: acknowledged %d activations, %d deactivations, %d trials, %d password changes; "+
			"%d requests without an answer (in flight at the kill, or sent just after it); %d answered non-2xx %v",
			round, load.Round(time.Millisecond), sum.activations, sum.deactivations, sum.trials, sum.passwords,
			sum.unanswered, sum.refused, sum.codes)
		if sum.activations+sum.deactivations+sum.trials+sum.passwords == 0 {
			t.Fatalf("round %d acknowledged no write at all:\n%s", round, crashTail(in.logs.String(), 40))
		}

		// Restart on the same data directory and find every acknowledged write.
		verifyFrom := time.Now()
		pending := 0
		for _, u := range users {
			if u.pending != "" {
				pending++
			}
		}
		srv = startCrashServer(t, in, extra)
		landed := st.verify(t, client, in, srv.url, userProd, users)
		crashIntegrity(t, in.data)
		t.Logf("round %d: restarted and verified %d active devices, %d deactivated devices, %d trials, %d users "+
			"(%d with a password change unanswered, %d of which had landed) in %v",
			round, len(st.active), len(st.inactive), len(st.trials), len(users), pending, landed, time.Since(verifyFrom).Round(time.Millisecond))
	}

	// A clean stop leaves a sound file too.
	srv.stop(t)
	crashIntegrity(t, in.data)
	t.Logf("total %v", time.Since(began).Round(time.Millisecond))
}

// crashServer is a `licensor serve` process this test kills.
type crashServer struct {
	cmd  *exec.Cmd
	done chan struct{}
	url  string
}

// startCrashServer runs `licensor serve` on the instance's data directory and
// a free loopback port, and waits until it is healthy. Unlike
// instance.serve it registers no SIGTERM stop: the test kills it.
func startCrashServer(t *testing.T, in *instance, extra []string) *crashServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := append([]string{"serve", "--data", in.data, "--addr", addr}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = in.logs, in.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &crashServer{cmd: cmd, done: make(chan struct{}), url: "http://" + addr}
	go func() { _ = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = cmd.Process.Kill()
			<-s.done
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("licensor serve exited:\n%s", crashTail(in.logs.String(), 40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("licensor did not become healthy:\n%s", crashTail(in.logs.String(), 40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *crashServer) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("licensor did not die on SIGKILL")
	}
}

// stop asks for a clean stop with SIGTERM.
func (s *crashServer) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Error("licensor did not stop on SIGTERM")
	}
}

// crashAnswer is one License API answer, or why it is not one.
type crashAnswer struct {
	result
	invalid error // an answer that breaks the protocol (bad signature, bad error body)
}

// crashCall sends a signed License API request like instance.api, but is
// safe to call from any goroutine: a request that gets no complete answer
// returns an error instead of failing the test.
func crashCall(client *http.Client, in *instance, base, method, path string, params map[string]any) (crashAnswer, error) {
	u := base + "/api/v4/" + path
	var body io.Reader
	if method == http.MethodGet {
		q := url.Values{}
		for k, v := range params {
			q.Set(k, fmt.Sprint(v))
		}
		u += "?" + q.Encode()
	} else {
		b, _ := json.Marshal(params)
		body = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return crashAnswer{}, err
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", auth.AuthorizationHeader(in.apiKey, []byte(in.sharedKey), date))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return crashAnswer{}, err
	}
	defer resp.Body.Close()
	a := crashAnswer{result: result{Status: resp.StatusCode, Header: resp.Header}}
	if a.Body, err = io.ReadAll(resp.Body); err != nil {
		return crashAnswer{}, err
	}
	if a.Status == http.StatusOK {
		if err := verifyV2(in.publicKey, a.Body, resp.Header.Get("LicenseSignature")); err != nil {
			a.invalid = fmt.Errorf("%s %s: the answer's signature does not verify: %v: %s", method, path, err, a.Body)
		}
	} else if err := json.Unmarshal(a.Body, &a.Error); err != nil || a.Error.Code == "" {
		a.invalid = fmt.Errorf("%s %s: %d with a body that is not a License API error: %q", method, path, a.Status, a.Body)
	}
	return a, nil
}

type crashDevice struct{ product, key, hw string }

type crashTrial struct{ product, hw string }

type crashUser struct {
	email   string
	current string // the password known to work
	pending string // a change whose outcome is unknown ("": none)
}

// crashCounts are one worker's figures for one round.
type crashCounts struct {
	activations, deactivations, trials, passwords int // acknowledged
	unanswered, refused                           int
	codes                                         map[string]int // non-2xx answers by code
}

func (c *crashCounts) add(o crashCounts) {
	c.activations += o.activations
	c.deactivations += o.deactivations
	c.trials += o.trials
	c.passwords += o.passwords
	c.unanswered += o.unanswered
	c.refused += o.refused
	for k, v := range o.codes {
		if c.codes == nil {
			c.codes = map[string]int{}
		}
		c.codes[k] += v
	}
}

// crashWorker is one load goroutine. It owns the devices it activated
// (across rounds) and at most one license user, so it alone knows their
// state.
type crashWorker struct {
	id         int
	keys       []string
	product    string
	trialProds []string // those this worker has not seen refused for too many trials
	rng        *rand.Rand
	user       *crashUser
	mine       []crashDevice // acknowledged active, may be deactivated later
	round, n   int

	// This round's outcome, in order of acknowledgement.
	activated   []crashDevice
	deactivated []crashDevice
	unsure      []crashDevice // a deactivation without an answer
	trials      map[crashTrial]string
	counts      crashCounts
}

func (w *crashWorker) beginRound(round int) {
	w.round = round
	w.activated, w.deactivated, w.unsure = nil, nil, nil
	w.trials = map[crashTrial]string{}
	w.counts = crashCounts{}
}

func (w *crashWorker) hardwareID(kind string) string {
	w.n++
	return fmt.Sprintf("crash-%s-r%d-w%d-%d", kind, w.round, w.id, w.n)
}

// run sends writes until stop is closed or a request gets no answer (the
// server is gone; this worker's next state would be unknown).
func (w *crashWorker) run(client *http.Client, in *instance, base string, stop <-chan struct{}, fails *crashFailures) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		p := w.rng.IntN(100)
		switch {
		case w.user != nil && w.user.pending == "" && p < 25:
			if !w.changePassword(client, in, base, fails) {
				return
			}
		case p < 90 && len(w.mine) > 0 && p >= 70:
			if !w.deactivate(client, in, base, fails) {
				return
			}
		case p >= 90 && len(w.trialProds) > 0:
			if !w.trial(client, in, base, fails) {
				return
			}
		default:
			if !w.activate(client, in, base, fails) {
				return
			}
		}
	}
}

// answered counts an answer; it reports false for no answer.
func (w *crashWorker) answered(a crashAnswer, err error, fails *crashFailures) bool {
	if err != nil {
		w.counts.unanswered++
		return false
	}
	if a.invalid != nil {
		fails.add("worker %d: %v", w.id, a.invalid)
	}
	if a.Status/100 != 2 {
		w.counts.refused++
		if w.counts.codes == nil {
			w.counts.codes = map[string]int{}
		}
		w.counts.codes[strconv.Itoa(a.Status)+" "+a.Error.Code]++
	}
	return true
}

func (w *crashWorker) activate(client *http.Client, in *instance, base string, fails *crashFailures) bool {
	d := crashDevice{product: w.product, key: w.keys[w.rng.IntN(len(w.keys))], hw: w.hardwareID("act")}
	a, err := crashCall(client, in, base, http.MethodPost, "activate_license",
		map[string]any{"product": w.product, "license_key": d.key, "hardware_id": d.hw})
	if !w.answered(a, err, fails) {
		return false
	}
	if a.Status/100 == 2 {
		var lic struct {
			Key string `json:"license_key"`
		}
		if err := json.Unmarshal(a.Body, &lic); err != nil || lic.Key != d.key {
			fails.add("activate_license %v answered %s", d, a.Body)
			return true
		}
		w.activated = append(w.activated, d)
		w.mine = append(w.mine, d)
		w.counts.activations++
	}
	return true
}

func (w *crashWorker) deactivate(client *http.Client, in *instance, base string, fails *crashFailures) bool {
	i := w.rng.IntN(len(w.mine))
	d := w.mine[i]
	w.mine[i] = w.mine[len(w.mine)-1]
	w.mine = w.mine[:len(w.mine)-1]
	a, err := crashCall(client, in, base, http.MethodPost, "deactivate_license",
		map[string]any{"product": w.product, "license_key": d.key, "hardware_id": d.hw})
	if !w.answered(a, err, fails) {
		w.unsure = append(w.unsure, d)
		return false
	}
	if a.Status/100 != 2 {
		w.unsure = append(w.unsure, d) // refused: left alone from now on
		return true
	}
	var done string
	if err := json.Unmarshal(a.Body, &done); err != nil || done != "license_deactivated" {
		fails.add("deactivate_license %v answered %s", d, a.Body)
	}
	w.deactivated = append(w.deactivated, d)
	w.counts.deactivations++
	return true
}

func (w *crashWorker) trial(client *http.Client, in *instance, base string, fails *crashFailures) bool {
	i := w.rng.IntN(len(w.trialProds))
	tr := crashTrial{product: w.trialProds[i], hw: w.hardwareID("trial")}
	a, err := crashCall(client, in, base, http.MethodGet, "trial_key", map[string]any{"product": tr.product, "hardware_id": tr.hw})
	if !w.answered(a, err, fails) {
		return false
	}
	if a.Status == http.StatusTooManyRequests {
		w.trialProds = append(w.trialProds[:i], w.trialProds[i+1:]...)
	}
	if a.Status/100 == 2 {
		var got struct {
			Key     string `json:"license_key"`
			IsTrial bool   `json:"is_trial"`
		}
		if err := json.Unmarshal(a.Body, &got); err != nil || got.Key == "" || !got.IsTrial {
			fails.add("trial_key %v answered %s", tr, a.Body)
			return true
		}
		w.trials[tr] = got.Key
		w.counts.trials++
	}
	return true
}

// changePassword advances the user's password only on 200
// "password_changed"; any other outcome leaves the change pending (old or
// new) until the restart settles it.
func (w *crashWorker) changePassword(client *http.Client, in *instance, base string, fails *crashFailures) bool {
	u := w.user
	w.n++
	next := fmt.Sprintf("crash password r%d w%d n%d %08x", w.round, w.id, w.n, w.rng.Uint32())
	a, err := crashCall(client, in, base, http.MethodPost, "change_password",
		map[string]any{"username": u.email, "password": u.current, "new_password": next})
	if !w.answered(a, err, fails) {
		u.pending = next
		return false
	}
	var answer string
	if a.Status != http.StatusOK || json.Unmarshal(a.Body, &answer) != nil || answer != "password_changed" {
		if a.Status/100 == 2 {
			fails.add("change_password answered %d %s", a.Status, a.Body)
		}
		u.pending = next
		return true
	}
	u.current = next
	w.counts.passwords++
	return true
}

// crashState is every acknowledged write so far.
type crashState struct {
	active   map[crashDevice]bool  // activated, not deactivated since
	inactive map[crashDevice]bool  // deactivated
	trials   map[crashTrial]string // (product, hardware id) → trial license key
}

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
	for tr, key := range w.trials {
		st.trials[tr] = key
	}
}

// verify asks the restarted server for every acknowledged write. It
// settles each unanswered password change and reports how many had landed.
func (st *crashState) verify(t *testing.T, client *http.Client, in *instance, base, userProd string, users []*crashUser) (landed int) {
	t.Helper()
	var mu sync.Mutex
	fails := &crashFailures{}
	jobs := make(chan func())
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				job()
			}
		}()
	}
	call := func(what, method, path string, params map[string]any) (crashAnswer, bool) {
		a, err := crashCall(client, in, base, method, path, params)
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
	for d := range st.active {
		jobs <- func() {
			what := fmt.Sprintf("check_license of acknowledged activation %v", d)
			a, ok := call(what, http.MethodGet, "check_license", map[string]any{"product": d.product, "license_key": d.key, "hardware_id": d.hw})
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
			a, ok := call(what, http.MethodGet, "check_license", map[string]any{"product": d.product, "license_key": d.key, "hardware_id": d.hw})
			if ok && (a.Status != http.StatusBadRequest || (a.Error.Code != "device_not_found" && a.Error.Code != "license_not_active")) {
				fails.add("%s: %d %s, want 400 device_not_found or license_not_active", what, a.Status, a.Body)
			}
		}
	}
	for tr, key := range st.trials {
		jobs <- func() {
			what := fmt.Sprintf("trial_key again for acknowledged trial %v", tr)
			a, ok := call(what, http.MethodGet, "trial_key", map[string]any{"product": tr.product, "hardware_id": tr.hw})
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
	for _, u := range users {
		jobs <- func() {
			works := func(pw string) bool {
				a, ok := call("user_licenses of "+u.email, http.MethodGet, "user_licenses",
					map[string]any{"product": userProd, "username": u.email, "password": pw})
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
				mu.Lock()
				landed++
				mu.Unlock()
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
	return landed
}

// crashIntegrity opens the SQLite file read-only and runs PRAGMA
// integrity_check.
func crashIntegrity(t *testing.T, data string) {
	t.Helper()
	path := filepath.Join(data, "licensor.db")
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
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

// crashTail is the last n lines of s.
func crashTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
