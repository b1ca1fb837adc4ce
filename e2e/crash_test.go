package e2e

// This file holds the crash test and its phases: provisioning, the load a
// SIGKILL interrupts, the restart and verification, and the killable
// server process. The load workers are in crash_load_test.go, the record of
// acknowledged writes and its verification in crash_verify_test.go.

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	crashRounds  = 3
	crashWorkers = 8
	crashUsers   = 3
	crashKeys    = 4
	crashProduct = "CRASHKEY"  // key-based, allows trials: activations, deactivations and trials
	crashSeats   = "CRASHUSER" // user-based: password changes
)

// The per-address request limit would throttle the load, the trial limit
// (20 new trials per address and product an hour by default) its trials,
// and the password throttle the settling of changes whose answer a kill
// lost: a kill also leaves the reservations of checks in flight counted as
// failures, as it should. None is what this test is about.
var crashServeFlags = []string{"--rate-limits=false", "--trial-limit", "1000000/1h", "--throttle-user", "1000", "--throttle-ip", "1000"}

// A crash must not lose what the server acknowledged: licensor serve is
// killed with SIGKILL under a mixed write load (activations, deactivations,
// trials, password changes), restarted on the same data directory, and every
// write answered 2xx before the kill must be there, as the License API shows
// it, in a database whose PRAGMA integrity_check is "ok". Three rounds, the
// acknowledged set carried forward. Requests that got no answer may or may
// not have landed; nothing is asserted about them, except that a user whose
// password change was in flight has either the old or the new password.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	began := time.Now()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))

	in := newInstance(t)
	in.init()
	keys, users := crashProvision(t, in)
	t.Logf("serve flags %v; provisioned in %v", crashServeFlags, time.Since(began).Round(time.Millisecond))

	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * crashWorkers}}
	defer client.CloseIdleConnections()

	ws := make([]*crashWorker, crashWorkers)
	for i := range ws {
		ws[i] = &crashWorker{id: i, keys: keys, rng: rand.New(rand.NewPCG(seed, uint64(i)+1))}
		if i < len(users) {
			ws[i].user = users[i]
		}
	}
	st := &crashState{active: map[crashDevice]bool{}, inactive: map[crashDevice]bool{}, trials: map[string]string{}}

	srv := startCrashServer(t, in)
	for round := 1; round <= crashRounds; round++ {
		load := 500*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond)))
		crashLoad(t, round, load, ws, srv, crashAPI{client: client, in: in, base: srv.url})
		for _, w := range ws {
			st.merge(w)
		}

		// Restart on the same data directory and find every acknowledged write.
		verifyFrom := time.Now()
		pending := 0
		for _, u := range users {
			if u.pending != "" {
				pending++
			}
		}
		srv = startCrashServer(t, in)
		landed := st.verify(t, crashAPI{client: client, in: in, base: srv.url}, users)
		crashIntegrity(t, in)
		t.Logf("round %d: restarted and verified %d active devices, %d deactivated devices, %d trials, %d users "+
			"(%d with a password change unanswered, %d of which had landed) in %v",
			round, len(st.active), len(st.inactive), len(st.trials), len(users), pending, landed, time.Since(verifyFrom).Round(time.Millisecond))
	}

	// A clean stop leaves a sound file too.
	srv.stop(t)
	crashIntegrity(t, in)
	t.Logf("total %v", time.Since(began).Round(time.Millisecond))
}

// crashProvision creates, with the CLI as a vendor would, the license keys
// of crashProduct and the users of one crashSeats license.
func crashProvision(t *testing.T, in *instance) (keys []string, users []*crashUser) {
	t.Helper()
	in.cliJSON(&struct{}{}, "company", "set", "allow_change_password=true", "--json")
	in.cliJSON(&struct{}{}, "product", "create", "--code", crashProduct, "--name", "Crash Desktop", "allow_trial=true", "trial_days=14", "--json")
	for range crashKeys {
		var lic struct {
			Key string `json:"license_key"`
		}
		in.cliJSON(&lic, "license", "create", "--product", crashProduct, "--max-activations", "100000", "--json")
		if lic.Key == "" {
			t.Fatal("license create printed no license_key")
		}
		keys = append(keys, lic.Key)
	}
	in.cliJSON(&struct{}{}, "product", "create", "--code", crashSeats, "--name", "Crash Cloud", "--auth", "user", "--json")
	var ul struct{ ID int64 }
	in.cliJSON(&ul, "license", "create", "--product", crashSeats, "--max-activations", "1000", "--json")
	for i := range crashUsers {
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
	return keys, users
}

// crashLoad runs the workers against srv for the load duration, then
// SIGKILLs it while requests are in flight and waits for the workers.
func crashLoad(t *testing.T, round int, load time.Duration, ws []*crashWorker, srv *crashServer, api crashAPI) {
	t.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	fails := &crashFailures{}
	for _, w := range ws {
		w.beginRound(round, api, fails)
		wg.Go(func() { w.run(stop) })
	}
	time.Sleep(load)
	srv.kill(t)
	close(stop)
	wg.Wait()
	api.client.CloseIdleConnections()
	fails.check(t, fmt.Sprintf("round %d load", round))

	var sum crashCounts
	for _, w := range ws {
		sum.add(w.counts)
	}
	t.Logf("round %d: killed after %v: acknowledged %d activations, %d deactivations, %d trials, %d password changes; "+
		"%d requests without an answer (in flight at the kill, or sent just after it); %d answered non-2xx %v",
		round, load.Round(time.Millisecond), sum.activations, sum.deactivations, sum.trials, sum.passwords,
		sum.unanswered, sum.refused, sum.codes)
	if sum.activations+sum.deactivations+sum.trials+sum.passwords == 0 {
		t.Fatalf("round %d acknowledged no write at all:\n%s", round, crashTail(api.in.logs.String(), 40))
	}
}

// crashServer is a `licensor serve` process this test kills.
type crashServer struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // how the process ended, once done is closed
	url  string
}

// startCrashServer runs `licensor serve` with crashServeFlags on the
// instance's data directory and a free loopback port, and waits until it is
// healthy. Unlike instance.serve it registers no SIGTERM stop: the test
// kills it.
func startCrashServer(t *testing.T, in *instance) *crashServer {
	t.Helper()
	return startServer(t, in, crashServeFlags...)
}

// startServer runs `licensor serve` with flags on the instance's data and a
// free loopback port, and waits until it is ready (/readyz).
func startServer(t *testing.T, in *instance, flags ...string) *crashServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary, append([]string{"serve", "--data", in.data, "--addr", addr}, flags...)...)
	cmd.Env = in.env()
	cmd.Stdout, cmd.Stderr = in.logs, in.logs
	must(t, cmd.Start())
	s := &crashServer{cmd: cmd, done: make(chan struct{}), url: "http://" + addr}
	go func() { s.err = cmd.Wait(); close(s.done) }()
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
		resp, err := http.Get(s.url + "/readyz")
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

// crashTail is the last n lines of s.
func crashTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
